/**
 * Tree and quick-pick labels show FMC-supplied names (NetBIOS names, reasons quoting signature
 * messages and file names). VS Code renders them as text, but a newline, a terminal escape or a
 * bidi override would still break the row or reorder what the analyst reads ("invoice‮fdp.exe").
 */
import * as assert from 'node:assert/strict';
import { displayText } from '../../../src/extension/format';
import { HOSTILE, HUGE, LINE_BREAKS } from './corpus';

const BIDI_AND_INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;

describe('displayText: FMC text made safe for one-line labels', () => {
  it('leaves no line break, control character, bidi control or invisible character in any hostile string', () => {
    for (const [label, text] of Object.entries(HOSTILE)) {
      const shown = displayText(text);
      assert.doesNotMatch(shown, LINE_BREAKS, label);
      assert.doesNotMatch(shown, CONTROLS, label);
      assert.doesNotMatch(shown, BIDI_AND_INVISIBLE, label);
    }
  });

  it('keeps the visible text, markup included, in logical order', () => {
    assert.equal(displayText(HOSTILE.script), HOSTILE.script);
    assert.equal(displayText(HOSTILE.unicode), HOSTILE.unicode);
    assert.equal(displayText('invoice\u202efdp.exe'), 'invoicefdp.exe');
    assert.equal(displayText('line1\nline2\r\nline3'), 'line1 line2 line3');
    assert.equal(displayText('\u001b[31mred\u001b[0m'), ' [31mred [0m');
  });

  it('cuts very long text to a label-sized one, saying so', () => {
    const shown = displayText(HUGE, 200);
    assert.ok(shown.length <= 200, `${shown.length} characters`);
    assert.ok(shown.endsWith('…'));
    assert.ok(shown.startsWith('<script>'));
  });
});
