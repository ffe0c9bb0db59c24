/**
 * Checking the fields of YAML configs and JSON request bodies, written once for every parser: a mapping's
 * keys against the known ones (with a "did you mean"), typed and ranged values, missing fields, each failure
 * one line naming the field path ({@code tasks[1].limit}); and reading the file itself
 * ({@link dev.crucible.config.ConfigFiles}: one wording for a missing or unreadable config).
 *
 * <p>Every tree is a Jackson {@code JsonNode}: recipes come through {@code recipe.YamlTree} (SnakeYAML, for
 * aliases and merge keys), the other configs through Jackson's YAML reader, request bodies through Jackson's
 * JSON reader. How a failure is worded and thrown is the caller's {@link dev.crucible.config.FieldErrors}:
 * config files throw {@code CrucibleException} ({@code app.yml: gates.max_task_drop: ...}); the HTTP server
 * answers 400 in OpenAI's words.
 *
 * <p>Uses {@code error} only; every module may use it.
 */
package dev.crucible.config;
