import { badUserInput } from '@aetherial/subgraph-kit';
import type {
  CreateProductInput,
  LogInInput,
  OrderLineInput,
  SignUpInput,
  UpdateProductInput,
} from './generated/graphql.js';
import { isUuid } from './store.js';

/** Input checks shared by the mutations; each throws BAD_USER_INPUT naming the offending field. */

const HANDLE = /^[a-z0-9_]{3,30}$/;
// Deliberately loose (one @, a dot in the domain, no spaces): the real check is a confirmation mail.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CURRENCY = /^[A-Z]{3}$/;
const MAX_INT = 2 ** 31 - 1;
export const MAX_ORDER_LINES = 100;
export const MIN_PASSWORD_LENGTH = 8;

export function normalizeHandle(raw: string): string {
  const handle = raw.trim().toLowerCase();
  if (!HANDLE.test(handle)) throw badUserInput('handle', 'must be 3-30 characters of a-z, 0-9 and _');
  return handle;
}

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw badUserInput('email', 'is not a valid email address');
  return email;
}

function text(field: string, raw: string, max: number, allowEmpty = false): string {
  const value = raw.trim();
  if (!allowEmpty && value === '') throw badUserInput(field, 'must not be empty');
  if (value.length > max) throw badUserInput(field, `must be at most ${max} characters`);
  return value;
}

function whole(field: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > MAX_INT) {
    throw badUserInput(field, min === 0 ? 'must not be negative' : `must be at least ${min}`);
  }
  return value;
}

export interface ValidSignUp {
  handle: string;
  displayName: string;
  email: string;
  password: string;
}

export function validateSignUp(input: SignUpInput): ValidSignUp {
  const handle = normalizeHandle(input.handle);
  const displayName = text('displayName', input.displayName, 80);
  const email = normalizeEmail(input.email);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw badUserInput('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (input.password.length > 256) throw badUserInput('password', 'must be at most 256 characters');
  return { handle, displayName, email, password: input.password };
}

/** A login is an email when it has an @, otherwise a handle; both are stored lower-case. */
export function validateLogIn(input: LogInInput): {
  by: 'email' | 'handle';
  value: string;
  password: string;
} {
  const login = input.login.trim().toLowerCase();
  if (login === '') throw badUserInput('login', 'give your handle or email');
  if (input.password === '') throw badUserInput('password', 'must not be empty');
  return { by: login.includes('@') ? 'email' : 'handle', value: login, password: input.password };
}

export interface ValidProduct {
  sku: string;
  title: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
}

export function validateCreateProduct(input: CreateProductInput): ValidProduct {
  const sku = input.sku.trim();
  if (!SKU.test(sku))
    throw badUserInput('sku', 'must be 1-64 characters of letters, digits, ".", "_" and "-"');
  const currency = (input.currency ?? 'EUR').trim().toUpperCase();
  if (!CURRENCY.test(currency))
    throw badUserInput('currency', 'must be a three-letter ISO 4217 code such as EUR');
  return {
    sku,
    title: text('title', input.title, 200),
    description: text('description', input.description ?? '', 5000, true),
    priceCents: whole('priceCents', input.priceCents, 0),
    currency,
    stock: whole('stock', input.stock ?? 0, 0),
  };
}

export type ProductChanges = Partial<Pick<ValidProduct, 'title' | 'description' | 'priceCents' | 'stock'>>;

export function validateUpdateProduct(input: UpdateProductInput): {
  changes: ProductChanges;
  expectedVersion: number | null;
} {
  const changes: ProductChanges = {};
  if (input.title != null) changes.title = text('title', input.title, 200);
  if (input.description != null) changes.description = text('description', input.description, 5000, true);
  if (input.priceCents != null) changes.priceCents = whole('priceCents', input.priceCents, 0);
  if (input.stock != null) changes.stock = whole('stock', input.stock, 0);
  if (Object.keys(changes).length === 0)
    throw badUserInput('input', 'give at least one of title, description, priceCents, stock');
  const expectedVersion =
    input.expectedVersion == null ? null : whole('expectedVersion', input.expectedVersion, 1);
  return { changes, expectedVersion };
}

export interface OrderLine {
  productId: string;
  quantity: number;
}

/**
 * Order lines sorted by product id: every transaction then locks product rows in the same order,
 * so concurrent orders queue behind each other instead of deadlocking.
 */
export function validateOrderLines(items: readonly OrderLineInput[]): OrderLine[] {
  if (items.length === 0) throw badUserInput('items', 'an order needs at least one item');
  if (items.length > MAX_ORDER_LINES)
    throw badUserInput('items', `an order has at most ${MAX_ORDER_LINES} items`);
  const seen = new Set<string>();
  items.forEach(({ productId, quantity }, index) => {
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw badUserInput('items', `item ${index + 1} (product ${productId}): quantity must be at least 1`);
    }
    const key = productId.toLowerCase();
    if (seen.has(key)) {
      throw badUserInput(
        'items',
        `product ${productId} appears more than once; give one item per product with the total quantity`,
      );
    }
    seen.add(key);
  });
  const unknown = items.find(({ productId }) => !isUuid(productId));
  if (unknown) throw badUserInput('items', `unknown product ${unknown.productId}`);
  return items
    .map(({ productId, quantity }) => ({ productId: productId.toLowerCase(), quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}
