/** Tells a hook's plain return value from a promise without awaiting (the hot path's fast lane). */
export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as Promise<T> | null)?.then === 'function';
}
