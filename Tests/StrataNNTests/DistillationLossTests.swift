import Foundation
import Testing
import StrataCore
import StrataNN
import _StrataTestSupport

/// The distillation loss against its definition written out in Double, and its gradient against
/// central differences.
@Suite struct DistillationLossTests {
    @Test func valueMatchesTheDefinition() {
        let student = testTensor([3, 4], seed: 1, scale: 2).cast(to: .float64)
        let teacher = testTensor([3, 4], seed: 2, scale: 2).cast(to: .float64)
        let targets = Tensor([2, 0, 3] as [Int64])
        let (t, a) = (3.0, 0.7)
        let loss = distillationLoss(studentLogits: student, teacherLogits: teacher, targets: targets, temperature: t, alpha: a).item()
        let s = student.doubles, q = teacher.doubles, y = [2, 0, 3]
        func logSoftmax(_ row: ArraySlice<Double>, _ temperature: Double) -> [Double] {
            let z = row.map { $0 / temperature }, m = z.max()!
            let lse = m + Foundation.log(z.map { Foundation.exp($0 - m) }.reduce(0, +))
            return z.map { $0 - lse }
        }
        var kl = 0.0, ce = 0.0
        for i in 0..<3 {
            let ls = logSoftmax(s[(4 * i)..<(4 * i + 4)], t), lt = logSoftmax(q[(4 * i)..<(4 * i + 4)], t)
            for c in 0..<4 { kl += Foundation.exp(lt[c]) * (lt[c] - ls[c]) }
            ce -= logSoftmax(s[(4 * i)..<(4 * i + 4)], 1)[y[i]]
        }
        let expected = a * t * t * kl / 3 + (1 - a) * ce / 3
        #expect(abs(loss - expected) < 1e-12, "\(loss) vs \(expected)")
    }

    @Test func gradientMatchesFiniteDifferences() {
        let teacher = testTensor([4, 5], seed: 3, scale: 2).cast(to: .float64)
        let targets = Tensor([1, 4, 0, 2] as [Int64])
        let error = gradientCheck([testTensor([4, 5], seed: 4, scale: 2)]) { x in
            distillationLoss(studentLogits: x[0], teacherLogits: teacher, targets: targets, temperature: 2.5, alpha: 0.6)
        }
        #expect(error < 1e-6, "gradient error \(error)")
    }

    @Test func teacherGetsNoGradientAndSequencesFlatten() {
        let teacher = testTensor([2, 3, 5], seed: 5).cast(to: .float64)
        teacher.requiresGrad = true
        let student = testTensor([2, 3, 5], seed: 6).cast(to: .float64)
        student.requiresGrad = true
        let targets = Tensor([0, 1, 2, 3, 4, 0] as [Int64], shape: [2, 3])
        distillationLoss(studentLogits: student, teacherLogits: teacher, targets: targets, temperature: 2, alpha: 0.5).backward()
        #expect(teacher.grad == nil)
        #expect(student.grad?.shape == [2, 3, 5])
        // Identical logits: the KL term vanishes, leaving (1 - alpha) times cross-entropy.
        let same = distillationLoss(studentLogits: student, teacherLogits: student, targets: targets, temperature: 2, alpha: 0.5).item()
        let ce = withoutGradients { crossEntropy(logits: student.reshaped([6, 5]), targets: targets.reshaped([6])) }.item()
        #expect(abs(same - 0.5 * ce) < 1e-12)
    }
}
