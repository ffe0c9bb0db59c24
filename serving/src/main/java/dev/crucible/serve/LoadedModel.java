package dev.crucible.serve;

import dev.crucible.runtime.LanguageModel;

/** A model that passed validation, with the chat template read from its folder. */
record LoadedModel(LanguageModel model, ChatTemplate chatTemplate) {}
