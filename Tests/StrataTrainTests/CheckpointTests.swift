import Foundation
import Strata
import Testing
import _StrataTestSupport

// TrainingCheckpoint: round trip and errors; SafeTensors <-> Tensor glue.

/// The description of the error `body` throws, or nil when it does not throw.
private func thrown(_ body: () throws -> Void) -> (error: Error, text: String)? {
    do {
        try body()
        return nil
    } catch {
        return (error, String(describing: error))
    }
}

/// A trainer of a Linear(3, 2) (drawn from a generator seeded with 4) that has done one epoch on a tiny problem.
private func trainedLinear() throws -> Trainer {
    let model = GlobalRandom.isolated(seed: 4) { Linear(3, 2) }
    let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01))
    trainer.verbose = false
    let data = TensorDataset(inputs: Tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]] as [[Float]]),
                             targets: Tensor([0, 1, 0, 1] as [Int64]))
    try trainer.fit(DataLoader(data, batchSize: 2), epochs: 1)
    return trainer
}

extension TrainingSuites {
    @Suite("TrainingCheckpoint")
    struct TrainingCheckpointTests {
        @Test("save then load keeps weights, optimizer state, progress, history, metadata and the generator state")
        func roundTrip() throws {
            try GlobalRandom.isolated(seed: 1) {
                let folder = try ScratchFolder()
                let trainer = try trainedLinear()
                let path = folder.file("a/b/ckpt.safetensors")
                try TrainingCheckpoint.save(trainer: trainer, metadata: ["model": "linear", "note": "ünïcode ✓"], to: path)
                let checkpoint = try TrainingCheckpoint.load(path: path)
                #expect(checkpoint.path == path)
                #expect(checkpoint.epoch == 1)
                #expect(checkpoint.globalStep == 2)
                #expect(checkpoint.metadata == ["model": "linear", "note": "ünïcode ✓"])
                #expect(checkpoint.history == trainer.history)
                #expect(checkpoint.randomState == GlobalRandom.with { $0.state })   // this test's own generator
                #expect(Set(checkpoint.modelState.keys) == ["weight", "bias"])
                #expect(maxDifference(snapshot(checkpoint.modelState), snapshot(trainer.model.stateDict())) == 0)
                #expect(maxDifference(snapshot(checkpoint.optimizerState), snapshot(trainer.optimizer.stateDict())) == 0)

                // Restoring into a fresh trainer reproduces the state.
                let model = Linear(3, 2)
                let fresh = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.5))
                try checkpoint.restore(into: fresh)
                #expect(fresh.epoch == 1 && fresh.globalStep == 2)
                #expect(fresh.optimizer.learningRate == 0.01)
                #expect(fresh.optimizer.stepCount == trainer.optimizer.stepCount)
                #expect(fresh.history == trainer.history)
                #expect(maxDifference(snapshot(model.stateDict()), snapshot(trainer.model.stateDict())) == 0)

                // saveWeights writes the bare state dict.
                let weightsPath = folder.file("weights.safetensors")
                try TrainingCheckpoint.saveWeights(of: trainer.model, metadata: ["k": "v"], to: weightsPath)
                let (tensors, metadata) = try SafeTensors.load(path: weightsPath)
                #expect(Set(tensors.keys) == ["weight", "bias"])
                #expect(metadata == ["k": "v"])
            }
        }

        @Test("a safetensors file that is not a Strata checkpoint throws FileError naming the file")
        func notAStrataCheckpoint() throws {
            let folder = try ScratchFolder()
            let plain = folder.file("plain.safetensors")
            try SafeTensors.save(["weight": Tensor.ones([2, 3])], metadata: ["format": "pt"], to: plain)
            let (error, text) = try #require(thrown { _ = try TrainingCheckpoint.load(path: plain) })
            #expect((error as? FileError)?.path == plain, "\(type(of: error)): \(text)")
            #expect(text.hasPrefix(plain) && text.contains("'pt'") && text.contains(TrainingCheckpoint.formatName), "\(text)")

            let bare = folder.file("bare.safetensors")
            try SafeTensors.save(["weight": Tensor.ones([2, 3])], to: bare)
            let (_, bareText) = try #require(thrown { _ = try TrainingCheckpoint.load(path: bare) })
            #expect(bareText.contains(bare) && bareText.contains("missing"), "\(bareText)")

            // The right format but a tensor outside model./optimizer. is named.
            let stray = folder.file("stray.safetensors")
            try SafeTensors.save(["model.weight": Tensor.ones([2]), "extra": Tensor.ones([1])],
                                 metadata: ["format": TrainingCheckpoint.formatName, "epoch": "1", "global_step": "1"], to: stray)
            let (_, strayText) = try #require(thrown { _ = try TrainingCheckpoint.load(path: stray) })
            #expect(strayText.contains(stray) && strayText.contains("'extra'"), "\(strayText)")

        }

        @Test("progress metadata: a missing history is empty; a bad history or epoch is named")
        func progressMetadata() throws {
            let folder = try ScratchFolder()
            let format = TrainingCheckpoint.formatName
            let minimal = folder.file("minimal.safetensors")
            try SafeTensors.save(["model.weight": Tensor.ones([2])], metadata: ["format": format, "epoch": "3", "global_step": "30"], to: minimal)
            let checkpoint = try TrainingCheckpoint.load(path: minimal)
            #expect(checkpoint.epoch == 3 && checkpoint.globalStep == 30)
            #expect(checkpoint.history == History())
            #expect(checkpoint.randomState == nil)
            #expect(checkpoint.metadata.isEmpty)

            let badHistory = folder.file("bad-history.safetensors")
            try SafeTensors.save(["model.weight": Tensor.ones([2])],
                                 metadata: ["format": format, "epoch": "1", "global_step": "1", "history": "[1, 2"], to: badHistory)
            let (_, historyText) = try #require(thrown { _ = try TrainingCheckpoint.load(path: badHistory) })
            #expect(historyText.contains(badHistory) && historyText.contains("'history'"), "\(historyText)")

            let badEpoch = folder.file("bad-epoch.safetensors")
            try SafeTensors.save(["model.weight": Tensor.ones([2])],
                                 metadata: ["format": format, "epoch": "one", "global_step": "1"], to: badEpoch)
            let (_, epochText) = try #require(thrown { _ = try TrainingCheckpoint.load(path: badEpoch) })
            #expect(epochText.contains(badEpoch) && epochText.contains("'epoch'"), "\(epochText)")

            let noStep = folder.file("no-step.safetensors")
            try SafeTensors.save(["model.weight": Tensor.ones([2])], metadata: ["format": format, "epoch": "1"], to: noStep)
            let (_, stepText) = try #require(thrown { _ = try TrainingCheckpoint.load(path: noStep) })
            #expect(stepText.contains("'global_step'"), "\(stepText)")
        }

        @Test("loading weights of the wrong shape throws naming the key and both shapes")
        func wrongShape() throws {
            try GlobalRandom.isolated(seed: 2) {
                let folder = try ScratchFolder()
                let path = folder.file("ckpt.safetensors")
                try TrainingCheckpoint.save(trainer: try trainedLinear(), to: path)
                let checkpoint = try TrainingCheckpoint.load(path: path)

                let wider = Linear(4, 2)
                let before = snapshot(wider.stateDict())
                let (error, text) = try #require(thrown { try checkpoint.loadWeights(into: wider) })
                #expect((error as? FileError)?.path == path, "\(type(of: error)): \(text)")
                #expect(text.contains("'weight'") && text.contains("[2, 3]") && text.contains("[2, 4]"), "\(text)")
                _ = before

                // A model with a tensor the checkpoint lacks: the missing key is named.
                let noBiasInFile = folder.file("nobias.safetensors")
                let biasless = Linear(3, 2, bias: false)
                try TrainingCheckpoint.save(trainer: Trainer(model: biasless, optimizer: SGD(biasless.parameters(), learningRate: 0.1)),
                                            to: noBiasInFile)
                let (_, missingText) = try #require(thrown { try TrainingCheckpoint.load(path: noBiasInFile).loadWeights(into: Linear(3, 2)) })
                #expect(missingText.contains("'bias'") && missingText.contains(noBiasInFile), "\(missingText)")

                // restore(into:) reports it the same way, for the optimizer state as well.
                let trainer = Trainer(model: Linear(4, 2), optimizer: SGD(Linear(4, 2).parameters(), learningRate: 0.1))
                let (_, restoreText) = try #require(thrown { try checkpoint.restore(into: trainer) })
                #expect(restoreText.contains("'weight'"), "\(restoreText)")
            }
        }

        @Test("a truncated checkpoint throws a FileError naming the file", arguments: [4, 40, 0.5, 0.99])
        func truncated(keep: Double) throws {
            let folder = try ScratchFolder()
            let path = folder.file("ckpt.safetensors")
            try TrainingCheckpoint.save(trainer: try trainedLinear(), metadata: ["model": "linear"], to: path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let count = keep < 1 ? Int(Double(bytes.count) * keep) : Int(keep)
            let cut = folder.file("cut.safetensors")
            try bytes.prefix(count).write(to: URL(fileURLWithPath: cut))
            let (error, text) = try #require(thrown { _ = try TrainingCheckpoint.load(path: cut) })
            let safetensors = try #require(error as? FileError, "\(type(of: error)): \(text)")
            #expect(safetensors.path == cut)
            #expect(text.hasPrefix(cut), "\(text)")
        }

        @Test("a missing checkpoint throws a FileError naming the file")
        func missingFile() throws {
            let folder = try ScratchFolder()
            let path = folder.file("nothing-here.safetensors")
            let (error, text) = try #require(thrown { _ = try TrainingCheckpoint.load(path: path) })
            #expect((error as? FileError)?.kind == .io, "\(text)")
            #expect(text.contains(path))
        }
    }
}

@Suite("SafeTensors tensor glue")
struct SafeTensorsTensorTests {
    @Test("float32, float64, float16, int32, int64 and bool tensors round-trip through a file")
    func roundTrip() throws {
        let folder = try ScratchFolder()
        let tensors: [String: Tensor] = [
            "f32": Tensor([1.5, -2.25, 3e-8, .infinity, -0.0, 7] as [Float], shape: [2, 3]),
            "f64": Tensor([Double.pi, -1e300, .leastNonzeroMagnitude] as [Double]),
            "f16": Tensor([1, -0.5, 65504, 0.000061035156] as [Float16], shape: [2, 2]),
            "i32": Tensor([Int32.min, -1, Int32.max] as [Int32]),
            "i64": Tensor([Int64.min, 0, Int64.max, 42] as [Int64], shape: [1, 4, 1]),
            "bool": Tensor([true, false, false, true, true] as [Bool]),
            "scalar": Tensor(scalar: Float(2.5)),
            "empty": Tensor.zeros([0, 3]),
        ]
        let path = folder.file("all.safetensors")
        try SafeTensors.save(tensors, metadata: ["about": "round trip"], to: path)
        let (loaded, metadata) = try SafeTensors.load(path: path)
        #expect(metadata == ["about": "round trip"])
        #expect(Set(loaded.keys) == Set(tensors.keys))
        for (key, original) in tensors {
            let copy = try #require(loaded[key])
            #expect(copy.dtype == original.dtype, "\(key)")
            #expect(copy.shape == original.shape, "\(key)")
        }
        #expect(loaded["f32"]!.toArray(as: Float.self).map(\.bitPattern) == tensors["f32"]!.toArray(as: Float.self).map(\.bitPattern))
        #expect(loaded["f64"]!.toArray(as: Double.self) == tensors["f64"]!.toArray(as: Double.self))
        #expect(loaded["f16"]!.toArray(as: Float16.self) == tensors["f16"]!.toArray(as: Float16.self))
        #expect(loaded["i32"]!.toArray(as: Int32.self) == [Int32.min, -1, Int32.max])
        #expect(loaded["i64"]!.toArray(as: Int64.self) == [Int64.min, 0, Int64.max, 42])
        #expect(loaded["bool"]!.toArray(as: Bool.self) == [true, false, false, true, true])
        #expect(loaded["scalar"]!.item() == 2.5)
        #expect(loaded["empty"]!.count == 0)

        // The header names the safetensors dtypes.
        let (entries, _) = try SafeTensors.read(path: path)
        #expect(entries.mapValues(\.dtype) == ["f32": "F32", "f64": "F64", "f16": "F16", "i32": "I32", "i64": "I64",
                                               "bool": "BOOL", "scalar": "F32", "empty": "F32"])
        #expect(entries["f32"]!.shape == [2, 3])
        #expect(entries["scalar"]!.shape == [])
    }

    @Test("an entry made from a tensor holds its little-endian bytes, also for a transposed tensor")
    func entryBytes() throws {
        let entry = SafeTensorsEntry(tensor: Tensor([1, 256] as [Int32]))
        #expect(entry.dtype == "I32")
        #expect(entry.data == [1, 0, 0, 0, 0, 1, 0, 0])
        let matrix = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let transposed = try SafeTensorsEntry(tensor: matrix.transposed()).tensor()
        #expect(transposed.shape == [3, 2])
        #expect(transposed.floats == [1, 4, 2, 5, 3, 6])
    }

    @Test("BF16 entries load as float32; U8, I8 and I16 as int32")
    func widening() throws {
        // bfloat16 is the top half of a float32: 1.0 = 0x3F80, -2.5 = 0xC020, 0.15625 = 0x3E20, 3.140625 = 0x4049.
        let bf16: [UInt16] = [0x3F80, 0xC020, 0x3E20, 0x4049, 0x7F80, 0x0000]
        let bytes = bf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let entries: [String: SafeTensorsEntry] = [
            "bf16": SafeTensorsEntry(dtype: "BF16", shape: [2, 3], data: bytes),
            "u8": SafeTensorsEntry(dtype: "U8", shape: [3], data: [0, 7, 255]),
            "i8": SafeTensorsEntry(dtype: "I8", shape: [3], data: [0x80, 0xFF, 0x05]),
            "i16": SafeTensorsEntry(dtype: "I16", shape: [2], data: [0x00, 0x80, 0x34, 0x12]),
        ]
        let folder = try ScratchFolder()
        let path = folder.file("widen.safetensors")
        try SafeTensors.write(entries, to: path)
        let (tensors, _) = try SafeTensors.load(path: path)

        let widened = try #require(tensors["bf16"])
        #expect(widened.dtype == .float32)
        #expect(widened.shape == [2, 3])
        #expect(widened.floats == [1.0, -2.5, 0.15625, 3.140625, .infinity, 0])
        #expect(try entries["bf16"]!.tensor().floats == widened.floats)

        #expect(tensors["u8"]!.dtype == .int32)
        #expect(tensors["u8"]!.toArray(as: Int32.self) == [0, 7, 255])
        #expect(tensors["i8"]!.toArray(as: Int32.self) == [-128, -1, 5])
        #expect(tensors["i16"]!.toArray(as: Int32.self) == [-32768, 0x1234])
    }

    @Test("an entry whose bytes do not fit its shape throws instead of reading out of bounds")
    func entrySizeMismatch() throws {
        for entry in [SafeTensorsEntry(dtype: "F32", shape: [2, 2], data: [0, 0, 0, 0]),
                      SafeTensorsEntry(dtype: "BF16", shape: [1], data: [0, 0, 0, 0]),
                      SafeTensorsEntry(dtype: "I16", shape: [3], data: [1])] {
            let (error, text) = try #require(thrown { _ = try entry.tensor(key: "w", path: "hand-made") })
            let safetensors = try #require(error as? FileError, "\(text)")
            #expect(safetensors.kind == .sizeMismatch)
            #expect(safetensors.key == "w" && safetensors.path == "hand-made")
        }
    }

    @Test("a dtype Strata cannot hold throws a FileError naming the file and the key")
    func unsupportedDType() throws {
        let folder = try ScratchFolder()
        let path = folder.file("u32.safetensors")
        try SafeTensors.write(["counts": SafeTensorsEntry(dtype: "U32", shape: [1], data: [1, 0, 0, 0])], to: path)
        let (error, text) = try #require(thrown { _ = try SafeTensors.load(path: path) })
        let safetensors = try #require(error as? FileError, "\(text)")
        #expect(safetensors.kind == .unknownDType)
        #expect(safetensors.path == path)
        #expect(safetensors.key == "counts")
        #expect(text.contains("U32"))
    }
}
