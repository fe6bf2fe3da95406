/** A property of the object itself, never one it inherits (`constructor`, `__proto__`): undefined then. */
export function ownValue(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}
