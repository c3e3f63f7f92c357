/// The part of Backend for optimizer updates of parameters and their state.
public protocol OptimizerBackend {
}
