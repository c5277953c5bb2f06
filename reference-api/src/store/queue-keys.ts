// The Redis keys of the waiting queue, in a module with no imports so that loadctl (the queue-corrupt fault,
// verify) reads the very names the API writes. Documented in reference-api/README.md; the runbook depends on them.
//   queue:waiting          ZSET  member = token, score = arrival number (lower = earlier)
//   queue:active           ZSET  member = token, score = expiry time (epoch ms)
//   queue:seq              STRING counter handing out arrival numbers
//   queue:token:<token>    HASH  userId, issuedAt (ms), arrival (its arrival number while it waits); TTL =
//                          TOKEN_TTL_SECONDS (refreshed while waiting and polled). The arrival kept here lets a
//                          restore put back a waiting user whom no snapshot holds (joined after the last one).
//   queue:user:<userId>    STRING the user's current token (same TTL), so asking again returns it
//   queue:snapshot:<id>    ZSET  copy of queue:waiting;  queue:snapshot:<id>:users HASH token → userId;
//                          queue:snapshot:<id>:taken STRING entry count (exists even for an empty queue); 24 h TTL
//   queue:snapshot:latest  STRING id of the newest snapshot
//   queue:epoch            STRING when this Redis's queue data began (epoch ms): set by the first script to find
//                          it missing, i.e. at first start and after Redis lost its data (restart without persistence)
//   queue:ended:<token>    STRING end-marker of a token issued before the epoch and ended (paid) since, so it is not
//                          recovered again; TTL = the token's remaining lifetime
export const QueueKeys = {
  waiting: 'queue:waiting',
  active: 'queue:active',
  seq: 'queue:seq',
  tokenPrefix: 'queue:token:',
  userPrefix: 'queue:user:',
  snapshotPrefix: 'queue:snapshot:',
  snapshotLatest: 'queue:snapshot:latest',
  leader: 'queue:leader',
  epoch: 'queue:epoch',
  endedPrefix: 'queue:ended:',
} as const;
