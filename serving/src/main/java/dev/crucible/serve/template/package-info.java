/**
 * Chat templates rendered as transformers' {@code apply_chat_template} renders them: Jinjava configured
 * like transformers' chat-template environment (trim_blocks, lstrip_blocks, loop controls,
 * {@code raise_exception}, {@code tojson}, {@code strftime_now}, {@code {% generation %}}), plus the Python
 * string and dict methods real templates call ({@code .strip()}, {@code .startswith()}, {@code .items()}...).
 */
package dev.crucible.serve.template;
