import t from 'tap';
import { BoundedQueue } from '../../lib/audit/queue.js';

t.test('FIFO order through growth, wrap-around and drops', async (t) => {
  const q = new BoundedQueue<number>(4);
  t.equal(q.push(1), false);
  t.equal(q.push(2), false);
  t.same(q.peek(10), [1, 2]);
  q.drop(1);
  t.equal(q.push(3), false);
  t.equal(q.push(4), false);
  t.equal(q.push(5), false, 'wraps into the freed slot');
  t.equal(q.size, 4);
  t.same(q.peek(10), [2, 3, 4, 5]);
  t.equal(q.push(6), true, 'full: the oldest is overwritten');
  t.same(q.peek(10), [3, 4, 5, 6]);
  t.same(q.peek(2), [3, 4]);
  q.drop(3);
  t.same(q.peek(10), [6]);
  q.drop(5);
  t.equal(q.size, 0);
  t.same(q.peek(3), []);
  t.equal(q.push(7), false);
  t.same(q.peek(3), [7]);
});

t.test('a long run keeps exactly the newest `capacity` items in order', async (t) => {
  const q = new BoundedQueue<number>(100);
  let overwritten = 0;
  for (let i = 0; i < 1000; i++) {
    if (q.push(i)) overwritten++;
    if (i % 7 === 0) q.drop(3);
  }
  const items = q.peek(1000);
  t.equal(items.length, q.size);
  t.same(items, [...items].sort((a, b) => a - b), 'in order');
  t.equal(items[items.length - 1], 999);
  t.ok(overwritten > 0);
});

t.test('capacity must be a positive integer', async (t) => {
  t.throws(() => new BoundedQueue(0), RangeError);
  t.throws(() => new BoundedQueue(1.5), RangeError);
});
