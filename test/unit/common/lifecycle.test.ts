import * as assert from 'node:assert/strict';
import { Disposable, MutableDisposable, toDisposable } from '../../../src/common/lifecycle';
import { Emitter } from '../../../src/common/events';

describe('common/lifecycle', () => {
  it('disposes registered children once, and children registered after disposal at once', () => {
    const log: string[] = [];
    class Owner extends Disposable {
      add(name: string) {
        return this._register(toDisposable(() => log.push(name)));
      }
    }
    const o = new Owner();
    o.add('a');
    o.dispose();
    o.dispose();
    assert.deepEqual(log, ['a']);
    o.add('late');
    assert.deepEqual(log, ['a', 'late']);
  });

  it('MutableDisposable disposes the previous value when replaced', () => {
    const log: string[] = [];
    const m = new MutableDisposable();
    m.value = toDisposable(() => log.push('first'));
    m.value = toDisposable(() => log.push('second'));
    assert.deepEqual(log, ['first']);
    m.dispose();
    assert.deepEqual(log, ['first', 'second']);
  });

  it('Emitter stops delivering after the listener is disposed', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const sub = e.event((n) => seen.push(n));
    e.fire(1);
    sub.dispose();
    e.fire(2);
    assert.deepEqual(seen, [1]);
  });
});
