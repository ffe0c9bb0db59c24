package dev.crucible.serve.model;

import dev.crucible.runtime.LanguageModel;
import dev.crucible.serve.template.ChatTemplate;

/** A model that passed validation, with the chat template read from its folder. */
record LoadedModel(LanguageModel model, ChatTemplate chatTemplate) {}
