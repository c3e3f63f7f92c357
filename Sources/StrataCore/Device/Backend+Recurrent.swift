/// The part of Backend for recurrent cells (the fused LSTM step).
public protocol RecurrentBackend {
}
