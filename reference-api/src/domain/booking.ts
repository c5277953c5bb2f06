// The rules of holding and paying, as pure functions over rows already locked by the store, so they can
// be tested without a database and the transaction code stays a plain sequence of statements.
import { ApiError } from '../http/errors.ts';

export const MAX_SEATS_PER_RESERVATION = 50;
export const MAX_RECHARGE_AMOUNT = 10_000_000;

export interface SeatRow {
  seat_no: number;
  price: number;
  status: 'AVAILABLE' | 'HELD' | 'SOLD';
  held_until: Date | null;
  reservation_id: number | null;
}

export interface ReservationRow {
  id: number;
  user_id: number;
  status: 'HELD' | 'PAID' | 'EXPIRED';
  expires_at: Date;
  price: number;
}

/** A seat can be held when it is free, or held by a hold that has run out (the sweeper just hasn't freed it yet). */
export function isHoldable(seat: SeatRow, now: Date): boolean {
  return seat.status === 'AVAILABLE' || (seat.status === 'HELD' && seat.held_until !== null && seat.held_until <= now);
}

/** All or nothing: throws unless every requested seat exists and is holdable. */
export function assertAllHoldable(requested: readonly number[], rows: readonly SeatRow[], now: Date): void {
  const found = new Set(rows.map((row) => row.seat_no));
  const missing = requested.filter((seat) => !found.has(seat));
  if (missing.length > 0)
    throw new ApiError(404, 'SEAT_NOT_FOUND', `no seat ${missing.join(', ')} in this schedule`, { seatIds: missing });
  const taken = rows.filter((row) => !isHoldable(row, now)).map((row) => row.seat_no);
  if (taken.length > 0)
    throw new ApiError(
      409,
      'SEAT_UNAVAILABLE',
      `seat ${taken.join(', ')} is already held or sold; nothing was reserved`,
      { seatIds: taken },
    );
}

/** Throws the first reason these reservations cannot be paid by this user; returns the total otherwise. */
export function payableTotal(
  userId: number,
  requested: readonly number[],
  rows: readonly ReservationRow[],
  balance: number,
  now: Date,
): number {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const missing = requested.filter((id) => !byId.has(id));
  if (missing.length > 0)
    throw new ApiError(404, 'RESERVATION_NOT_FOUND', `no reservation ${missing.join(', ')}`, {
      reservationIds: missing,
    });
  const foreign = rows.filter((row) => row.user_id !== userId).map((row) => row.id);
  if (foreign.length > 0)
    throw new ApiError(409, 'RESERVATION_NOT_OWNED', `reservation ${foreign.join(', ')} belongs to another user`, {
      reservationIds: foreign,
    });
  const paid = rows.filter((row) => row.status === 'PAID').map((row) => row.id);
  if (paid.length > 0)
    throw new ApiError(409, 'RESERVATION_ALREADY_PAID', `reservation ${paid.join(', ')} is already paid`, {
      reservationIds: paid,
    });
  const expired = rows.filter((row) => row.status === 'EXPIRED' || row.expires_at <= now).map((row) => row.id);
  if (expired.length > 0)
    throw new ApiError(
      409,
      'RESERVATION_EXPIRED',
      `reservation ${expired.join(', ')} has expired; its seats were released`,
      { reservationIds: expired },
    );
  const total = rows.reduce((sum, row) => sum + row.price, 0);
  if (total > balance)
    throw new ApiError(402, 'INSUFFICIENT_BALANCE', `balance ${balance} is less than the total ${total}`, {
      balance,
      total,
    });
  return total;
}
