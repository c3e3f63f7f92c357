extension CPUBackend {
}
