import Foundation
import Testing
import StrataCore
import StrataNN

/// `inference { }` evaluates without flipping any module's training flag: only the calling
/// thread sees evaluation mode.
@Suite("inference { }: evaluation mode per thread, no shared flag flipped")
struct InferenceModeTests {
    @Test func dropoutPassesThroughInsideAndTheFlagIsUntouched() {
        let model = Sequential(Dropout(0.5))
        let x = Tensor.ones([1000])
        #expect(model.isTraining)
        let (inside, flagInside) = inference { (model(x), model.isTraining) }
        #expect(inside.floats == x.floats)            // evaluation: identity
        #expect(!flagInside && model.isTraining)      // false on this thread inside, true again after
        #expect(!inside.requiresGrad)
        let trained = model(x).floats                 // training again: about half dropped
        #expect(trained.filter { $0 == 0 }.count > 300)
    }

    @Test func anotherThreadKeepsTrainingModeWhileOneEvaluates() {
        let model = Sequential(Dropout(0.5))
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let evaluator = Thread {
            inference {
                entered.signal()
                release.wait()
            }
        }
        evaluator.start()
        entered.wait()
        // The evaluating thread is inside inference { } now; this thread still trains.
        let x = Tensor.ones([1000])
        #expect(model.isTraining)
        #expect(model(x).floats.contains(0))
        release.signal()
    }

    @Test func explicitEvalStillWorks() {
        let model = Sequential(Dropout(0.5))
        model.eval()
        #expect(!model.isTraining)
        #expect(model(Tensor.ones([100])).floats == [Float](repeating: 1, count: 100))
        inference { #expect(!model.isTraining) }
        model.train()
        #expect(model.isTraining)
    }
}
