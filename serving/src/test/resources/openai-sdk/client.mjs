// Drives a crucible server with the official OpenAI SDK, as a user's app would; prints what it saw as JSON.
// Usage: node client.mjs BASE_URL MODEL
import OpenAI from 'openai';

const [base, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + '/v1', apiKey: 'not-needed', maxRetries: 0 });
const out = {};
const failure = (e) => `${e.status} ${e.code} ${e instanceof OpenAI.APIError}`;

out.models = (await client.models.list()).data.map((m) => m.id).sort();
out.retrieved = (await client.models.retrieve(model)).id;
try {
  await client.models.retrieve('gpt-4o');
  out.retrieveMissing = 'answered';
} catch (e) {
  out.retrieveMissing = `${e.status} ${e.code} ${e instanceof OpenAI.NotFoundError}`;
}

const chat = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'add 2 2 =' }], temperature: 0,
  store: false, metadata: { team: 'eval' }, service_tier: 'auto', user: 'u-1', parallel_tool_calls: true,
});
out.chat = chat.choices[0].message.content;
out.chatFinish = chat.choices[0].finish_reason;
out.chatUsage = chat.usage.total_tokens;

const stream = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'add 20 22 =' }], stream: true, stream_options: { include_usage: true },
});
let text = '';
let usage = null;
for await (const chunk of stream) {
  if (chunk.choices.length > 0) text += chunk.choices[0].delta.content ?? '';
  if (chunk.usage) usage = chunk.usage;
}
out.streamed = text;
out.streamedTokens = usage ? usage.completion_tokens : null;

const completion = await client.completions.create({ model, prompt: 'add 3 4 =', max_tokens: 8 });
out.completion = completion.choices[0].text;

try {
  await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
  out.wrongModel = 'answered';
} catch (e) {
  out.wrongModel = failure(e);
}
try {
  await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], n: 2 });
  out.twoChoices = 'answered';
} catch (e) {
  out.twoChoices = failure(e);
}
console.log(JSON.stringify(out));
