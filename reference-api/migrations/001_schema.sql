-- Users, catalogue, seats, reservations, payments and the money ledger.
-- Seats are the single source of truth for who holds a seat: one row per seat, one reservation_id.
CREATE TABLE users (
  id          integer PRIMARY KEY,
  name        text    NOT NULL,
  balance     bigint  NOT NULL CHECK (balance >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE concerts (
  id     integer PRIMARY KEY,
  title  text NOT NULL,
  venue  text NOT NULL
);

-- schedule ids are numbered 1..N within their concert (the seed's scripts pick concert and schedule independently)
CREATE TABLE schedules (
  concert_id  integer NOT NULL REFERENCES concerts (id),
  id          integer NOT NULL,
  starts_at   timestamptz NOT NULL,
  PRIMARY KEY (concert_id, id)
);

CREATE TABLE reservations (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      integer NOT NULL REFERENCES users (id),
  concert_id   integer NOT NULL,
  schedule_id  integer NOT NULL,
  seat_no      integer NOT NULL,
  price        bigint  NOT NULL CHECK (price > 0),
  status       text    NOT NULL CHECK (status IN ('HELD', 'PAID', 'EXPIRED')),
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  paid_at      timestamptz,
  FOREIGN KEY (concert_id, schedule_id) REFERENCES schedules (concert_id, id)
);
-- a seat can have at most one live (held or paid) reservation, whatever the application does
CREATE UNIQUE INDEX reservations_one_live_per_seat ON reservations (concert_id, schedule_id, seat_no) WHERE status IN ('HELD', 'PAID');
CREATE INDEX reservations_held_expiry ON reservations (expires_at) WHERE status = 'HELD';
CREATE INDEX reservations_user ON reservations (user_id);

CREATE TABLE seats (
  concert_id      integer NOT NULL,
  schedule_id     integer NOT NULL,
  seat_no         integer NOT NULL CHECK (seat_no > 0),
  price           bigint  NOT NULL CHECK (price > 0),
  status          text    NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
  reservation_id  bigint REFERENCES reservations (id),
  held_until      timestamptz,
  PRIMARY KEY (concert_id, schedule_id, seat_no),
  FOREIGN KEY (concert_id, schedule_id) REFERENCES schedules (concert_id, id),
  CHECK ((status = 'AVAILABLE') = (reservation_id IS NULL)),
  CHECK ((status = 'HELD') = (held_until IS NOT NULL))
);
CREATE INDEX seats_held_until ON seats (held_until) WHERE status = 'HELD';
CREATE INDEX seats_reservation ON seats (reservation_id) WHERE reservation_id IS NOT NULL;

CREATE TABLE payments (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         integer NOT NULL REFERENCES users (id),
  reservation_id  bigint  NOT NULL UNIQUE REFERENCES reservations (id),
  amount          bigint  NOT NULL CHECK (amount > 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Every change of a balance, signed: INITIAL and RECHARGE are money in, PAYMENT is money out.
-- Invariant: per user, balance = SUM(delta); overall, INITIAL + RECHARGE = SUM(balance) + SUM(payments.amount).
CREATE TABLE balance_ledger (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     integer NOT NULL REFERENCES users (id),
  kind        text    NOT NULL CHECK (kind IN ('INITIAL', 'RECHARGE', 'PAYMENT')),
  delta       bigint  NOT NULL,
  payment_id  bigint  REFERENCES payments (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'PAYMENT') = (delta < 0)),
  CHECK ((kind = 'PAYMENT') = (payment_id IS NOT NULL))
);
CREATE INDEX balance_ledger_user ON balance_ledger (user_id);

-- Idempotency-Key records, written in the same transaction as the operation they protect, so a key is
-- stored exactly when its effect is. Replays return the stored response.
CREATE TABLE idempotency_keys (
  scope         text    NOT NULL CHECK (scope IN ('recharge', 'payment')),
  user_id       integer NOT NULL,
  key           text    NOT NULL,
  request_hash  text    NOT NULL,
  status_code   integer NOT NULL,
  response      jsonb   NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, user_id, key)
);
