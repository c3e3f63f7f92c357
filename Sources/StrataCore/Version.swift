/// Strata's version string.
///
/// ```swift
/// print(strataVersion)   // "0.1.0"
/// ```
public let strataVersion = "0.1.0"
