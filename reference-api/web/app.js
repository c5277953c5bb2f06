// The booking page: queue → concert → schedule → seats → reserve → pay, against /api/v1.
// Plain DOM, no framework; every element a test needs has a data-testid (see scenarios/workloads/browser.ts).
const API = '/api/v1';
const POLL_MS = 1000;
// paymentKey: one Idempotency-Key per held set of seats, so pressing Pay again after an error cannot charge twice
const state = {
  userId: 0,
  token: '',
  concertId: 0,
  scheduleId: 0,
  selected: new Set(),
  reservations: [],
  paymentKey: '',
};
const $ = (id) => document.getElementById(id);

function show(id) {
  $(id).hidden = false;
}
function say(text) {
  $('message').textContent = text;
}
function fail(text) {
  $('error').textContent = text;
  $('error').hidden = !text;
}

async function api(method, path, body, idempotencyKey) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers['QUEUE-TOKEN'] = state.token;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new Error(data.error ? `${data.error.message} (${data.error.code})` : `HTTP ${response.status}`);
  return data;
}

function choice(list, testId, item, label, onPick) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.dataset.testid = testId;
  button.dataset.id = String(item.id);
  button.dataset.available = String(item.available);
  button.disabled = !item.available;
  button.addEventListener('click', () => onPick(item));
  li.append(button);
  list.append(li);
}

async function joinQueue(event) {
  event.preventDefault();
  fail('');
  state.userId = Number($('user-id').value);
  try {
    const ticket = await api('POST', `/queue/users/${state.userId}`);
    state.token = ticket.token;
    await waitForTurn(ticket);
  } catch (error) {
    fail(error.message);
  }
}

async function waitForTurn(ticket) {
  show('queue-status');
  while (ticket.status !== 'ACTIVE') {
    $('queue-status').textContent = `You are number ${ticket.position} in the queue. This page moves on by itself.`;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    ticket = await api('GET', '/queue/status');
  }
  $('queue-status').textContent = 'It is your turn.';
  await loadConcerts();
}

async function loadConcerts() {
  const concerts = await api('GET', '/concerts');
  $('concerts').replaceChildren();
  for (const concert of concerts) {
    choice(
      $('concerts'),
      'concert',
      concert,
      `${concert.title} — ${concert.venue}${concert.available ? '' : ' (sold out)'}`,
      pickConcert,
    );
  }
  show('step-concerts');
  say('Choose a concert.');
}

async function pickConcert(concert) {
  fail('');
  state.concertId = concert.id;
  try {
    const schedules = await api('GET', `/concerts/${concert.id}/schedules`);
    $('schedules').replaceChildren();
    for (const schedule of schedules) {
      const when = new Date(schedule.startsAt).toLocaleString();
      choice($('schedules'), 'schedule', schedule, `${when} — ${schedule.remainingSeats} seats left`, pickSchedule);
    }
    show('step-schedules');
    say(`${concert.title}: choose a date.`);
  } catch (error) {
    fail(error.message);
  }
}

async function pickSchedule(schedule) {
  fail('');
  state.scheduleId = schedule.id;
  state.selected.clear();
  try {
    const seats = await api('GET', `/concerts/${state.concertId}/schedules/${schedule.id}/seats`);
    const grid = $('seats');
    grid.replaceChildren();
    for (const seat of seats) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = String(seat.seatNo);
      button.title = `Seat ${seat.seatNo}, ${seat.price.toLocaleString()} won${seat.available ? '' : ', taken'}`;
      button.setAttribute('aria-label', button.title);
      button.setAttribute('aria-pressed', 'false');
      button.dataset.testid = 'seat';
      button.dataset.id = String(seat.id);
      button.dataset.available = String(seat.available);
      button.disabled = !seat.available;
      button.addEventListener('click', () => toggleSeat(button, seat.id));
      grid.append(button);
    }
    updateSelection();
    show('step-seats');
    say('Choose up to 50 seats, then reserve.');
  } catch (error) {
    fail(error.message);
  }
}

function toggleSeat(button, seatId) {
  if (state.selected.has(seatId)) state.selected.delete(seatId);
  else if (state.selected.size < 50) state.selected.add(seatId);
  button.setAttribute('aria-pressed', String(state.selected.has(seatId)));
  updateSelection();
}

function updateSelection() {
  $('seat-count').textContent = `(${state.selected.size} selected)`;
  $('reserve').disabled = state.selected.size === 0;
}

async function reserve() {
  fail('');
  try {
    state.reservations = await api('POST', '/reservations', {
      userId: state.userId,
      concertId: state.concertId,
      scheduleId: state.scheduleId,
      seatIds: [...state.selected],
    });
    state.paymentKey = crypto.randomUUID();
    const total = state.reservations.reduce((sum, r) => sum + r.price, 0);
    const until = new Date(state.reservations[0].expiresAt).toLocaleTimeString();
    $('hold-summary').textContent =
      `Seats ${state.reservations.map((r) => r.seatId).join(', ')} are held for you until ${until}. Total ${total.toLocaleString()} won.`;
    show('step-pay');
    say('Seats held. Pay before the hold expires.');
  } catch (error) {
    fail(error.message);
  }
}

async function pay() {
  fail('');
  $('pay').disabled = true;
  try {
    const results = await api(
      'POST',
      `/payment/payments/users/${state.userId}`,
      { reservationIds: state.reservations.map((r) => r.id) },
      state.paymentKey,
    );
    const balance = results[results.length - 1].balance;
    $('payment-done').textContent =
      `Paid for ${results.length} seat(s). Your balance is now ${balance.toLocaleString()} won.`;
    show('step-done');
    say('Booking complete.');
  } catch (error) {
    $('pay').disabled = false;
    fail(error.message);
  }
}

$('queue-form').addEventListener('submit', joinQueue);
$('reserve').addEventListener('click', reserve);
$('pay').addEventListener('click', pay);
