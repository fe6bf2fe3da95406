import {
  ERRORS,
  Variable,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  type CompositeType,
  type EnumType,
  type FieldSelection,
  type Operation,
  type ScalarType,
  type Schema,
  type Selection,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { ownValue } from './own-value.js';

/**
 * The response the client asked for, cut out of the merged subgraph data: what Apollo's
 * `computeResponse` (resultShaping.js) does, with the same rules and errors, but with each selection
 * set compiled once per query plan instead of walked through federation-internals' objects on every
 * request (its directive lookups, type tests and re-export getters were a fifth of the gateway's CPU).
 */

type Json = Record<string, unknown>;
type Flag = boolean | string; // a literal `if:`, or the name of the variable that holds it

interface Conditions {
  skip?: Flag;
  include?: Flag;
}

/** A value's type from the outside in: wrappers, then the named type with its selection set. */
type Shape =
  | { kind: 'nonNull'; of: Shape; hasSelections: boolean }
  | { kind: 'list'; of: Shape; hasSelections: boolean }
  | { kind: 'composite'; type: CompositeType; selections: SelectionSet; hasSelections: true }
  | { kind: 'leaf'; type: ScalarType | EnumType; hasSelections: false };

interface FieldStep {
  kind: 'field';
  conditions?: Conditions;
  responseName: string;
  /** A name `Object.prototype` also has (`constructor`, `__proto__`): read and written as an own property only. */
  inherited: boolean;
  role: 'introspection' | 'typename' | 'value';
  selection: FieldSelection;
  shape: Shape;
}

interface FragmentStep {
  kind: 'fragment';
  conditions?: Conditions;
  typeCondition?: CompositeType;
  /** Whether the condition holds, per runtime `__typename` (or parent type when there is none). */
  applies: Map<string, boolean>;
  selections: SelectionSet;
}

type Step = FieldStep | FragmentStep;

export interface ShapeResult {
  data: Json | null;
  errors: GraphQLError[];
}

/** One per query plan: the compiled selection sets are kept as long as the plan is. */
export class ResponseShaper {
  private readonly schema: Schema;
  private readonly compiled = new WeakMap<SelectionSet, Step[]>();
  private readonly defaultedVariables: Record<string, unknown>;

  constructor(
    private readonly operation: Operation,
    private readonly introspect: (selection: FieldSelection, variables: Record<string, unknown>) => unknown,
  ) {
    this.schema = operation.schema();
    this.defaultedVariables = operation.collectDefaultedVariableValues();
  }

  shape(input: Json, requestVariables: Record<string, unknown> | undefined): ShapeResult {
    const run: Run = {
      shaper: this,
      schema: this.schema,
      variables: { __proto__: null, ...this.defaultedVariables, ...requestVariables },
      errors: [],
      path: [],
      invalid: false,
      hasErrors: false,
    };
    const data: Json = {};
    const root = this.schema.schemaDefinition.rootType(this.operation.rootKind);
    if (!root) throw new Error(`the schema has no ${this.operation.rootKind} type`);
    const ok = applySelections(run, input, this.steps(this.operation.selectionSet), data, root);
    return { data: ok ? data : null, errors: run.errors };
  }

  /** @internal */
  steps(selections: SelectionSet): Step[] {
    let steps = this.compiled.get(selections);
    if (!steps) {
      steps = selections.selections().map((selection) => this.compile(selection));
      this.compiled.set(selections, steps);
    }
    return steps;
  }

  /** @internal */
  introspection(selection: FieldSelection, variables: Record<string, unknown>): unknown {
    return this.introspect(selection, variables);
  }

  private compile(selection: Selection): Step {
    const conditions = this.conditionsOf(selection);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      const responseName = field.responseName();
      return {
        kind: 'field',
        conditions,
        responseName,
        inherited: responseName in Object.prototype,
        role: field.definition.isSchemaIntrospectionField()
          ? 'introspection'
          : field.name === typenameFieldName
            ? 'typename'
            : 'value',
        selection,
        shape: shapeOf(field.definition.type as Type, selection.selectionSet),
      };
    }
    return {
      kind: 'fragment',
      conditions,
      typeCondition: selection.element.typeCondition,
      applies: new Map(),
      selections: selection.selectionSet,
    };
  }

  private conditionsOf(selection: Selection): Conditions | undefined {
    const flag = (name: 'skip' | 'include'): Flag | undefined => {
      const directive = selection.element.appliedDirectivesOf(
        name === 'skip' ? this.schema.skipDirective() : this.schema.includeDirective(),
      )[0];
      if (!directive) return undefined;
      const value = (directive.arguments() as { if: unknown }).if;
      return value instanceof Variable ? value.name : Boolean(value);
    };
    const skip = flag('skip');
    const include = flag('include');
    return skip === undefined && include === undefined ? undefined : { skip, include };
  }
}

function shapeOf(type: Type, selections: SelectionSet | undefined): Shape {
  if (isNonNullType(type))
    return { kind: 'nonNull', of: shapeOf(type.ofType, selections), hasSelections: !!selections };
  if (isListType(type))
    return { kind: 'list', of: shapeOf(type.ofType, selections), hasSelections: !!selections };
  if (isCompositeType(type)) {
    if (!selections) throw new Error(`Invalid empty selection set for composite type ${type}`);
    return { kind: 'composite', type, selections, hasSelections: true };
  }
  return { kind: 'leaf', type: type as ScalarType | EnumType, hasSelections: false };
}

interface Run {
  shaper: ResponseShaper;
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  path: (string | number)[];
  /** Set by `updateValue`: the value is null where it may not be, so its parent becomes null. */
  invalid: boolean;
  /** Set by `updateValue`: an error was already recorded for this value. */
  hasErrors: boolean;
}

function flagValue(flag: Flag, variables: Record<string, unknown>): boolean {
  if (typeof flag === 'boolean') return flag;
  const value = variables[flag];
  if (typeof value !== 'boolean') throw new Error(`Unexpected value ${String(value)} for variable $${flag}`);
  return value;
}

function skipped(conditions: Conditions | undefined, variables: Record<string, unknown>): boolean {
  if (!conditions) return false;
  return (
    (conditions.skip !== undefined && flagValue(conditions.skip, variables)) ||
    (conditions.include !== undefined && !flagValue(conditions.include, variables))
  );
}

function write(object: Json, step: FieldStep, value: unknown): void {
  if (step.responseName === '__proto__')
    Object.defineProperty(object, '__proto__', {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else object[step.responseName] = value;
}

function fragmentApplies(
  run: Run,
  step: FragmentStep,
  typename: string | undefined,
  parentType: CompositeType,
) {
  const condition = step.typeCondition;
  if (!condition) return true;
  const key = typename ?? `\n${parentType.name}`;
  let applies = step.applies.get(key);
  if (applies === undefined) {
    const type = typename ? run.schema.type(typename) : parentType;
    // Unknown names (a subgraph's typo, or worse) are not remembered: the memo stays schema-sized.
    if (!type) return false;
    applies = isSubtype(condition, type);
    step.applies.set(key, applies);
  }
  return applies;
}

/** Returns false when a non-null field came out null: the caller's object becomes null. */
function applySelections(
  run: Run,
  input: Json,
  steps: Step[],
  output: Json,
  parentType: CompositeType,
): boolean {
  for (const step of steps) {
    if (skipped(step.conditions, run.variables)) continue;
    if (step.kind === 'fragment') {
      const typename = input[typenameFieldName];
      if (typename !== undefined && typename !== null && typeof typename !== 'string')
        throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
      if (fragmentApplies(run, step, typename || undefined, parentType)) {
        const ok = applySelections(
          run,
          input,
          run.shaper.steps(step.selections),
          output,
          step.typeCondition ?? parentType,
        );
        if (!ok) return false;
      }
      continue;
    }
    const { responseName } = step;
    const outputValue = step.inherited ? ownValue(output, responseName) : output[responseName];
    if (step.role === 'introspection') {
      if (outputValue === undefined)
        write(output, step, run.shaper.introspection(step.selection, run.variables));
      continue;
    }
    let inputValue = (step.inherited ? ownValue(input, responseName) : input[responseName]) ?? null;
    if (step.role === 'typename') {
      if (outputValue === undefined) {
        if (inputValue === null && responseName !== typenameFieldName)
          inputValue = input[typenameFieldName] ?? null;
        const type =
          typeof inputValue === 'string' ? (run.schema.type(inputValue) ?? parentType) : parentType;
        if (!isObjectType(type)) return false;
        write(output, step, type.name);
      }
      continue;
    }
    run.path.push(responseName);
    const updated = updateValue(run, outputValue, step.shape, inputValue, parentType);
    write(output, step, updated);
    run.path.pop();
    if (run.invalid) return false;
  }
  return true;
}

function describeLast(path: (string | number)[], typeName: string, parentType: CompositeType): string {
  const last = path[path.length - 1];
  return typeof last === 'string'
    ? `field ${parentType.name}.${last}`
    : `array element of type ${typeName} at index ${last}`;
}

function invalidGraphQL(run: Run, message: string): void {
  run.errors.push(ERRORS.INVALID_GRAPHQL.err(message, { path: Array.from(run.path) }));
}

/** Apollo's `updateOutputValue`, its `{ updated, isInvalid, hasErrors }` kept in `run` instead of allocated per value. */
function updateValue(
  run: Run,
  outputValue: unknown,
  shape: Shape,
  inputValue: unknown,
  parentType: CompositeType,
): unknown {
  run.invalid = false;
  run.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !shape.hasSelections)) return outputValue;
  if (shape.kind === 'nonNull') {
    const updated = updateValue(run, outputValue, shape.of, inputValue, parentType);
    if (updated === null) {
      if (!run.hasErrors)
        invalidGraphQL(
          run,
          `Cannot return null for non-nullable ${describeLast(run.path, typeOfShape(shape.of), parentType)}.`,
        );
      run.invalid = true;
      run.hasErrors = true;
      return null;
    }
    run.invalid = false;
    run.hasErrors = false;
    return updated;
  }
  if (inputValue === null) return null;
  if (shape.kind === 'list') {
    if (!Array.isArray(inputValue))
      throw new Error(
        `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${String(typeOfShape(shape))}`,
      );
    if (outputValue !== undefined && !Array.isArray(outputValue))
      throw new Error(
        `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${String(typeOfShape(shape))}`,
      );
    const list = (outputValue as unknown[] | undefined) ?? new Array<unknown>(inputValue.length);
    if (list.length !== inputValue.length)
      throw new Error(
        `[${String(inputValue)}].length (${inputValue.length}) !== [${String(list)}].length (${list.length})`,
      );
    let nullify = false;
    let hasErrors = false;
    for (let index = 0; index < list.length; index++) {
      run.path.push(index);
      list[index] = updateValue(run, list[index], shape.of, inputValue[index], parentType);
      run.path.pop();
      nullify ||= run.invalid;
      hasErrors ||= run.hasErrors;
    }
    run.invalid = false;
    run.hasErrors = hasErrors;
    return nullify ? null : list;
  }
  if (shape.kind === 'composite') {
    if (typeof inputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${shape.type.name}`,
      );
    if (outputValue !== undefined && typeof outputValue !== 'object')
      throw new Error(
        `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${shape.type.name}`,
      );
    const input = inputValue as Json;
    const typename = input[typenameFieldName];
    if (typename !== undefined && typeof typename !== 'string')
      throw new Error(`Invalid non-string value ${String(typename)} for __typename at ${run.path.join(',')}`);
    let objectType: CompositeType = shape.type;
    if (typename) {
      const named = run.schema.type(typename);
      if (!named || !isCompositeType(named)) {
        invalidGraphQL(
          run,
          `Invalid __typename found for object at ${describeLast(run.path, shape.type.name, parentType)}.`,
        );
        run.invalid = false;
        run.hasErrors = true;
        return null;
      }
      objectType = named;
    }
    // Plain objects (Apollo's have no prototype, which V8 keeps as slow dictionaries): the names
    // `Object.prototype` also has are read and written as own properties (`ownValue`, `write`).
    const object = (outputValue as Json | undefined) ?? {};
    const ok = applySelections(run, input, run.shaper.steps(shape.selections), object, objectType);
    run.invalid = false;
    run.hasErrors = !ok;
    return ok ? object : null;
  }
  if (outputValue !== undefined)
    throw new Error(
      `Excepted output to be undefined but got ${String(outputValue)} for type ${shape.type.name}`,
    );
  const valid = isValidLeafValue(run.schema, inputValue, shape.type);
  if (!valid)
    invalidGraphQL(run, `Invalid value found for ${describeLast(run.path, shape.type.name, parentType)}.`);
  run.invalid = false;
  run.hasErrors = !valid;
  return valid ? inputValue : null;
}

/** For error messages only: the shape's type printed as GraphQL spells it. */
function typeOfShape(shape: Shape): string {
  if (shape.kind === 'nonNull') return `${typeOfShape(shape.of)}!`;
  if (shape.kind === 'list') return `[${typeOfShape(shape.of)}]`;
  return shape.type.name;
}
