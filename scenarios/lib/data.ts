// Test data: the sizes the stack seeds (SPEC §3), overridable with -e USERS=… when a stack was seeded
// differently, and the random choices the seed's scripts made.
export const USERS = Number(__ENV.USERS ?? 1000);
export const SEATS_PER_SCHEDULE = Number(__ENV.SEATS_PER_SCHEDULE ?? 672);

export function randomInt(minInclusive: number, maxInclusive: number): number {
  return minInclusive + Math.floor(Math.random() * (maxInclusive - minInclusive + 1));
}

export function randomItem<T>(items: readonly T[]): T {
  if (items.length === 0) throw new Error('randomItem of an empty list');
  return items[Math.floor(Math.random() * items.length)] as T;
}

/** `count` distinct items picked at random (all of them when there are fewer). */
export function randomSubset<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0)
    picked.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0] as T);
  return picked;
}

/** `count` distinct seat numbers in 1..SEATS_PER_SCHEDULE, as the seed's getRandomSeats drew them. */
export function randomSeatNumbers(count: number): number[] {
  const seats = new Set<number>();
  while (seats.size < Math.min(count, SEATS_PER_SCHEDULE)) seats.add(randomInt(1, SEATS_PER_SCHEDULE));
  return [...seats];
}

/** The user a VU acts as: VUs map onto distinct users while there are enough, so two VUs never share a token. */
export function userForVu(vuId: number, users = USERS): number {
  return ((vuId - 1) % users) + 1;
}
