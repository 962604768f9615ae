// Utters sentences to virtual-alexa and prints what the skill would receive, one JSON line per sentence.
//
//   node tests/voice_corpus/run.js interaction_models/en-GB.json < sentences.txt
//
// Input: one sentence per line, as spoken. Output: {"line", "heard", "intent", "slots": {name: {value, id}}},
// where `id` is the entity-resolution id for custom slot types and `intent` is null when no sample matches
// (Alexa would send AMAZON.FallbackIntent). The request is caught by virtual-alexa's filter and answered by a
// dummy handler: no skill runs.
//
// One-shot requests ("Alexa, ask dose keeper if I took my metformin") reach Alexa's model as the words after
// the invocation name. The wake word, the launch phrase and the invocation name are removed here, and so are
// the connecting words "to" and "that" ("ask dose keeper to remind me..."). "if" and "whether" are kept: the
// model has samples that start with them, so a question cannot arrive as a statement ("I took my metformin").
// virtual-alexa's own utter() treats any sentence containing "ask", "tell" or "open" as a launch request, so the
// sentence is matched with virtual-core's Utterance (what utter() uses after that check) and sent as an intent.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { VirtualAlexa } = require("virtual-alexa");
const { Utterance } = require("virtual-core");
const { SamplePhrase } = require("virtual-core/lib/src/SampleUtterances");

const ONE_SHOT = /^(?:alexa[\s,]+)?(?:ask|tell|open|launch|start|talk to)\s+dose\s+keeper(?:\s+(?:to|that)\b)?[\s,]*/i;
const WAKE_WORD = /^alexa[\s,]+/i;

// virtual-core deletes colons, so "8:30" would reach the model as "830"; Alexa's recogniser keeps the time.
// Spelling it "8 30" keeps what was said and lets AMAZON.TIME read it.
const CLOCK = /\b(\d{1,2}):(\d{2})\b/g;

function present(sentence) {
  const text = sentence.trim().replace(CLOCK, "$1 $2");
  const oneShot = text.replace(ONE_SHOT, "");
  return (oneShot !== text ? oneShot : text.replace(WAKE_WORD, "")).trim();
}

// virtual-core compiles each sample's regular expression on every comparison; compile it once instead
// (same expression, same flags), so a large model is matched in seconds rather than minutes.
const compile = SamplePhrase.prototype.regex;
SamplePhrase.prototype.regex = function cachedRegex() {
  if (!this._compiledRegex) {
    this._compiledRegex = compile.call(this);
  }
  return this._compiledRegex;
};

// A sample's regular expression is anchored at both ends and its words are literal, so a sentence that does
// not start with the words before the first slot (or end with those after the last) cannot match: answer
// "no match" without building the test object. The same samples match as before, only sooner.
const PUNCTUATION = /[\!\"\¿\?|\#\$\%\/\(\)\=\+\-\_\<\>\*\{\}\·\¡\[\]\.\,\;\:]/g; // virtual-core's own list
const NO_MATCH = { matches: () => false };
const matchesUtterance = SamplePhrase.prototype.matchesUtterance;
let lastUtterance = null;
let lastCleaned = "";
SamplePhrase.prototype.matchesUtterance = function quickMatch(utterance) {
  if (utterance !== lastUtterance) {
    lastUtterance = utterance;
    lastCleaned = utterance.replace(PUNCTUATION, "").toLowerCase();
  }
  if (this._head === undefined) {
    const phrase = this.phrase.toLowerCase();
    const first = phrase.indexOf("{");
    this._head = first === -1 ? phrase : phrase.substring(0, first).trim();
    this._tail = first === -1 ? "" : phrase.substring(phrase.lastIndexOf("}") + 1).trim();
    this._literal = first === -1;
  }
  if (this._literal ? lastCleaned !== this._head
    : !(lastCleaned.startsWith(this._head) && lastCleaned.endsWith(this._tail))) {
    return NO_MATCH;
  }
  return matchesUtterance.call(this, utterance);
};

async function main() {
  const modelPath = path.resolve(process.argv[2]);
  const locale = path.basename(modelPath, ".json");
  let captured = null;
  const alexa = VirtualAlexa.Builder()
    .handler((event, context, callback) => callback(null, { version: "1.0", response: {} }))
    .interactionModelFile(modelPath)
    .locale(locale)
    .create();
  alexa.filter((request) => {
    captured = request;
  });

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    const heard = present(line);
    const result = { line, heard, intent: null, slots: {} };
    const utterance = new Utterance(alexa.context().interactionModel(), heard);
    if (utterance.matched()) {
      captured = null;
      alexa.dialogManager().reset(); // each sentence is a fresh turn: no slots carried from the last one
      await alexa.call(alexa.request().intent(utterance.intent()).slots(utterance.toJSON()));
      const intent = captured.request.intent;
      result.intent = intent.name;
      for (const [name, slot] of Object.entries(intent.slots || {})) {
        if (slot.value === undefined || slot.value === "") {
          continue;
        }
        const authorities = (slot.resolutions && slot.resolutions.resolutionsPerAuthority) || [];
        const resolved = authorities.find((a) => a.status.code === "ER_SUCCESS_MATCH");
        result.slots[name] = { value: slot.value, id: resolved ? resolved.values[0].value.id : null };
      }
    }
    process.stdout.write(JSON.stringify(result) + "\n");
  }
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
