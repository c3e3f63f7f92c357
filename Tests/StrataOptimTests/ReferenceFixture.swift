import Foundation
import _StrataTestSupport

// Fixtures/optim_reference.json (written by Scripts/make_nn_fixtures.py), read through the
// shared `Reference` loader of _StrataTestSupport.

extension Reference {
    /// optim_reference.json, read once.
    private static let file = Result { try Reference(fixture: "optim_reference", bundle: .module) }

    /// The whole fixture.
    static var root: Reference { get throws { try file.get() } }

    /// The cases listed under `keyPath` ("optimizers", "clipGradientNorm").
    static func cases(_ keyPath: String) throws -> [Reference] { try root.cases(keyPath) }
}
