package dev.crucible.serve.openai;

import dev.crucible.runtime.ImageInput;
import java.util.List;

/** A validated {@code POST /v1/chat/completions} body; {@code image} is null for text-only chats. */
public record ChatRequest(List<ChatMessage> messages, ImageInput image, SamplingOptions sampling, boolean stream,
        boolean includeUsage) {}
