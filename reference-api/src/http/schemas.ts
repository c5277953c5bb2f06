// Request shapes: path ids, headers and bodies. Ids are positive 32-bit integers (the columns are
// `integer`), so "abc", "-1", "1.5", "1e3" or 99999999999 are a 400, never a database error.
import { z } from 'zod';
import { MAX_RECHARGE_AMOUNT, MAX_SEATS_PER_RESERVATION } from '../domain/booking.ts';

const MAX_ID = 2_147_483_647;
const RESERVATION_ID_MAX = Number.MAX_SAFE_INTEGER;

export const IdParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().max(MAX_ID, `must be at most ${MAX_ID}`));

const Id = z.number().int().min(1).max(MAX_ID);
const distinct = (values: number[]) => new Set(values).size === values.length;

export const RechargeBody = z.object({
  amount: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be positive')
    .max(MAX_RECHARGE_AMOUNT, `must be at most ${MAX_RECHARGE_AMOUNT}`),
});

export const ReservationBody = z.object({
  userId: Id,
  concertId: Id,
  scheduleId: Id,
  seatIds: z
    .array(z.number().int().min(1).max(MAX_ID))
    .min(1, 'must list at least one seat')
    .max(MAX_SEATS_PER_RESERVATION, `at most ${MAX_SEATS_PER_RESERVATION} seats per reservation`)
    .refine(distinct, 'seat numbers must be distinct'),
});

export const PaymentBody = z.object({
  reservationIds: z
    .array(z.number().int().min(1).max(RESERVATION_ID_MAX))
    .min(1, 'must list at least one reservation')
    .max(MAX_SEATS_PER_RESERVATION, `at most ${MAX_SEATS_PER_RESERVATION} reservations per payment`)
    .refine(distinct, 'reservation ids must be distinct'),
});

/** Idempotency-Key: 1–200 visible ASCII characters (a UUID is typical). */
export const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 visible ASCII characters')
  .optional();
