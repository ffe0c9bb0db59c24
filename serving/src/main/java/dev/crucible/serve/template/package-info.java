/**
 * Chat templates: {@link dev.crucible.serve.template.ChatTemplates} picks a model folder's template (or the
 * {@code --chat-template} override) and checks it renders; {@link dev.crucible.serve.template.JinjaChatTemplate}
 * renders as transformers' {@code apply_chat_template} renders: Jinjava configured like transformers'
 * chat-template environment (trim_blocks, lstrip_blocks, loop controls, {@code raise_exception}, {@code tojson},
 * {@code strftime_now}, {@code {% generation %}}), plus the Python string and dict methods real templates call
 * ({@code .strip()}, {@code .startswith()}, {@code .items()}...); a model without one is chatted with plainly
 * ({@link dev.crucible.serve.template.PlainChatTemplate}).
 *
 * <p>Uses {@code serve.openai} (the messages it renders, and the 400 a template's own error becomes), the
 * runtime's tokenizer and Jinjava.
 */
package dev.crucible.serve.template;
