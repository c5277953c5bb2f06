import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/errors.ts';
import { assertAllHoldable, payableTotal, type ReservationRow, type SeatRow } from './booking.ts';

const now = new Date('2026-01-01T00:00:00Z');
const later = new Date(now.getTime() + 60_000);
const earlier = new Date(now.getTime() - 1);
const seat = (seat_no: number, status: SeatRow['status'], held_until: Date | null = null): SeatRow => ({
  seat_no,
  price: 100,
  status,
  held_until,
  reservation_id: status === 'AVAILABLE' ? null : 1,
});
const reservation = (id: number, patch: Partial<ReservationRow> = {}): ReservationRow => ({
  id,
  user_id: 1,
  status: 'HELD',
  expires_at: later,
  price: 100,
  ...patch,
});

function refusal(fn: () => unknown): { status: number; code: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
}

describe('holding seats', () => {
  it('accepts free seats and seats whose hold has run out', () => {
    expect(
      refusal(() => assertAllHoldable([1, 2], [seat(1, 'AVAILABLE'), seat(2, 'HELD', earlier)], now)),
    ).toBeUndefined();
  });
  it('refuses the whole request when one seat is held or sold', () => {
    expect(refusal(() => assertAllHoldable([1, 2], [seat(1, 'AVAILABLE'), seat(2, 'HELD', later)], now))).toEqual({
      status: 409,
      code: 'SEAT_UNAVAILABLE',
    });
    expect(refusal(() => assertAllHoldable([1], [seat(1, 'SOLD')], now))).toEqual({
      status: 409,
      code: 'SEAT_UNAVAILABLE',
    });
  });
  it('reports seat numbers the schedule does not have', () => {
    expect(refusal(() => assertAllHoldable([1, 999], [seat(1, 'AVAILABLE')], now))).toEqual({
      status: 404,
      code: 'SEAT_NOT_FOUND',
    });
  });
});

describe('paying reservations', () => {
  it('totals held, owned, unexpired reservations within the balance', () => {
    expect(payableTotal(1, [1, 2], [reservation(1), reservation(2)], 200, now)).toBe(200);
  });
  it.each([
    ['missing', [reservation(1)], [1, 2], 1000, 404, 'RESERVATION_NOT_FOUND'],
    ['foreign', [reservation(1, { user_id: 2 })], [1], 1000, 409, 'RESERVATION_NOT_OWNED'],
    ['paid', [reservation(1, { status: 'PAID' })], [1], 1000, 409, 'RESERVATION_ALREADY_PAID'],
    ['expired by time', [reservation(1, { expires_at: earlier })], [1], 1000, 409, 'RESERVATION_EXPIRED'],
    ['expired by sweeper', [reservation(1, { status: 'EXPIRED' })], [1], 1000, 409, 'RESERVATION_EXPIRED'],
    ['too expensive', [reservation(1)], [1], 99, 402, 'INSUFFICIENT_BALANCE'],
  ] as const)('refuses %s', (_name, rows, ids, balance, status, code) => {
    expect(refusal(() => payableTotal(1, ids, rows, balance, now))).toEqual({ status, code });
  });
});
