import Foundation
import _StrataTestSupport

// Fixtures/nn_reference.json (written by Scripts/make_nn_fixtures.py), read through the shared
// `Reference` loader of _StrataTestSupport.

extension Reference {
    /// nn_reference.json, read once.
    private static let file = Result { try Reference(fixture: "nn_reference", bundle: .module) }

    /// The whole fixture.
    static var root: Reference { get throws { try file.get() } }

    /// The cases listed under `keyPath` ("conv2d", "losses.crossEntropy").
    static func cases(_ keyPath: String) throws -> [Reference] { try root.cases(keyPath) }
}
