/// The part of ``Backend`` for the fused inference kernels of pretrained decoders (Llama-family:
/// RMS normalisation, rotary position embedding, SwiGLU).
public protocol InferenceBackend {
}
