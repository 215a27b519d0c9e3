// Integer square root as an AssemblyScript WebAssembly guest: apply(i64) -> i64.
//
//   apply(x) = floor(sqrt(x)) for x >= 0, by binary search on integers (exact for every i64)
//   apply(x) = -1             for x < 0
//   trap(x)  = x, but traps (unreachable) for x == 0: how an AssemblyScript guest fails
//
// Compiled with `--runtime stub --use abort=` (see package.json): the module has no imports.

// floor(sqrt(2^63 - 1)): the largest root an i64 can have; its square fits in an i64.
const MAX_ROOT: i64 = 3037000499;

export function apply(x: i64): i64 {
  if (x < 0) return -1;
  let lo: i64 = 0;
  let hi: i64 = MAX_ROOT;
  // Invariant: lo * lo <= x, and (hi + 1) * (hi + 1) > x.
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    if (mid * mid <= x) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

export function trap(x: i64): i64 {
  if (x == 0) unreachable();
  return x;
}
