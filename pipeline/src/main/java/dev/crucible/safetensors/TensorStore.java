package dev.crucible.safetensors;

import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;

import java.util.List;

/**
 * A model's tensors as a merge reads them: header facts first (planning), then each tensor's bytes. A
 * {@link Checkpoint} serves mapped views; a model with a LoRA adapter applied serves some tensors computed.
 */
public interface TensorStore {

    /** Header facts of every tensor, in read order. */
    List<TensorInfo> infos();

    /** One tensor; its own {@link Tensor#info()} says how its bytes are encoded. */
    Tensor tensor(String name);
}
