import Foundation
import StrataCore
import StrataNN
import StrataOptim
import StrataData
import StrataIO
import StrataDistributed

/// The one training loop: `fit` over epochs of any ``BatchSource`` with validation, callbacks and
/// a live progress bar, `evaluate`, and `predict`. A step runs ``trainStep`` (Keras's `train_step`:
/// the batch's outputs and loss), backward, the data-parallel gradient exchange, the callbacks'
/// `beforeOptimizerStep` (clipping goes there), then the optimizer.
///
/// ```swift
/// let model = Sequential(Flatten(), Linear(784, 512), ReLU(), Linear(512, 10))
/// let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
/// try trainer.fit(DataLoader(train, batchSize: 128, shuffle: true, seed: 1), epochs: 5,
///                 validation: DataLoader(test, batchSize: 1000))
/// let scores = trainer.evaluate(DataLoader(test, batchSize: 1000))   // ["loss": ..., "accuracy": ...]
/// ```
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    /// The model's outputs for a batch of inputs (by default, calling the model).
    public let forward: (Tensor) -> Tensor
    /// Maps (model output, targets) to a scalar loss.
    public var lossFunction: (Tensor, Tensor) -> Tensor
    public var metrics: [Metric]
    /// Keras's `train_step` up to the loss: the outputs (for the metrics) and the scalar loss to
    /// minimise for one training batch. The default is `forward` then `lossFunction`; replace it to
    /// add terms to the loss or to train a model that is not a plain input-to-output map.
    ///
    /// ```swift
    /// trainer.trainStep = { batch in
    ///     let out = model(batch.inputs)
    ///     return (out, crossEntropy(logits: out, targets: batch.targets) + 1e-4 * model.weight.square().sum())
    /// }
    /// ```
    public var trainStep: ((Batch) -> (outputs: Tensor, loss: Tensor))?
    /// Validation that is not a mean over the batches of `fit`'s `validation` (RMSE over a whole
    /// held-out table, ranking metrics over every item): called at the end of every epoch inside
    /// ``inference(_:)``, after `validation`; its figures join the epoch's logs with a `val_`
    /// prefix, so that the progress bar, `history`, the metrics log and the curves show them.
    ///
    /// ```swift
    /// trainer.epochValidation = { ["rmse": RatingMetrics.evaluate(mf, on: test, range: 1...5).rmse] }   // logged as val_rmse
    /// ```
    public var epochValidation: (() -> [String: Double])?
    /// Batches whose gradients are summed (each loss divided by this) before one update.
    public var accumulationSteps = 1
    /// Show a progress bar (live on a terminal, log lines otherwise).
    public var verbose = true
    /// Set by callbacks (such as `EarlyStopping`) to end `fit` after the current epoch.
    public var stopTraining = false
    /// Per-epoch logs of every epoch trained so far (restored with a checkpoint).
    public internal(set) var history = History()
    /// Number of epochs completed.
    public internal(set) var epoch = 0
    /// Number of optimizer updates so far.
    public internal(set) var globalStep = 0
    /// Data-parallel training over several processes, set with `distribute(over:)`.
    public internal(set) var dataParallel: DistributedDataParallel?
    /// The training data of the running (or last) `fit`, whose position a checkpoint saves.
    public internal(set) var trainingData: (any BatchSource)?
    /// A data position restored from a checkpoint, handed to the training data when `fit` starts.
    var restoredDataState: [UInt64]?

    /// A trainer that calls the model for its forward pass.
    public convenience init(model: Module, optimizer: Optimizer,
                            loss: @escaping (Tensor, Tensor) -> Tensor = { crossEntropy(logits: $0, targets: $1) },
                            metrics: [Metric] = [.accuracy]) {
        self.init(model: model, forward: { model($0) }, optimizer: optimizer, loss: loss, metrics: metrics)
    }

    /// A trainer for any module, with `forward` giving its outputs for a batch of inputs (for a
    /// model whose forward takes more than the batch's inputs).
    ///
    /// ```swift
    /// let trainer = Trainer(model: gpt, forward: { gpt($0) }, optimizer: AdamW(gpt.parameters()),
    ///                       loss: { crossEntropy(logits: $0.reshaped([-1, $0.shape[2]]), targets: $1.reshaped([-1])) }, metrics: [])
    /// ```
    public init(model: Module, forward: @escaping (Tensor) -> Tensor, optimizer: Optimizer,
                loss: @escaping (Tensor, Tensor) -> Tensor = { crossEntropy(logits: $0, targets: $1) },
                metrics: [Metric] = [.accuracy]) {
        self.model = model
        self.forward = forward
        self.optimizer = optimizer
        lossFunction = loss
        self.metrics = metrics
    }

    /// Trains until `epochs` epochs are complete (counting those already done, so a restored
    /// trainer continues where it stopped), or a callback stops it.
    @discardableResult
    public func fit(_ train: any BatchSource, epochs: Int, validation: (any BatchSource)? = nil, callbacks: [Callback] = []) throws -> History {
        ensure(accumulationSteps >= 1, "Trainer: accumulationSteps must be >= 1")
        stopTraining = false
        trainingData = train
        if let state = restoredDataState {
            guard let resumable = train as? ResumableBatchSource else {
                throw FileError(path: "", message: "the checkpoint holds a data position but the training data (\(type(of: train))) keeps none")
            }
            try resumable.restore(state: state)
            restoredDataState = nil
        }
        dataParallel?.broadcastParameters()
        for c in callbacks { try c.trainingBegan(trainer: self) }
        while epoch < epochs && !stopTraining {
            let e = epoch
            for c in callbacks { try c.epochBegan(e, trainer: self) }
            let started = DispatchTime.now().uptimeNanoseconds
            // Every process takes the same steps; a process whose shard ran out contributes nothing.
            let stepCount = train.stepCount(epoch: e)
            let bar = verbose ? train.progressBar(epoch: e, of: epochs, steps: stepCount) : nil
            var tally = Tally(metrics: metrics)
            model.train(true)
            optimizer.zeroGradients()
            let batches = train.batches(epoch: e)
            for index in 0..<stepCount {
                let step = index + 1
                let (value, stepTally) = try run(batches.next(), epoch: e, step: step, update: step % accumulationSteps == 0 || step == stepCount,
                                                 callbacks: callbacks)
                tally.add(stepTally)
                bar?.update(step: step, metrics: tally.figures(), samples: tally.samples)
                for c in callbacks { try c.batchEnded(step, loss: value, trainer: self) }
            }
            let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            var logs = Dictionary(uniqueKeysWithValues: tally.figures())
            if let validation {
                for (k, v) in evaluate(validation) { logs["val_" + k] = v }
            }
            if let epochValidation {
                for (k, v) in inference(epochValidation) { logs["val_" + k] = v }
            }
            bar?.finish(metrics: logs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, samples: tally.samples)
            logs["lr"] = optimizer.learningRate
            logs["seconds"] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            logs["train_seconds"] = trainingSeconds
            history.record(logs)
            epoch += 1
            for c in callbacks { try c.epochEnded(e, logs: logs, trainer: self) }
        }
        for c in callbacks { try c.trainingEnded(trainer: self) }
        return history
    }

    /// One step: the loss of `batch` (nil: this process has none this step), its gradients, and
    /// when `update` the optimizer step. Returns the loss (of the global batch under data
    /// parallelism) and the step's figures. Throws ``NonFiniteLossError`` before any update.
    func run(_ batch: Batch?, epoch: Int?, step: Int, update: Bool, callbacks: [Callback]) throws -> (Double, Tally) {
        var local = Tally(metrics: metrics)
        var loss: Tensor?
        var value = 0.0
        if let batch {
            let (output, l) = trainStep?(batch) ?? { let o = forward(batch.inputs); return (o, lossFunction(o, batch.targets)) }()
            value = l.item()
            local.add(loss: value, outputs: output, targets: batch.targets)
            loss = l
        }
        let stepTally = combined(local)   // over the processes
        if dataParallel != nil { value = stepTally.lossSum / Double(Swift.max(stepTally.samples, 1)) }
        try NonFiniteLossError.check(value, epoch: epoch.map { $0 + 1 }, step: step)
        if let loss {
            // Each process's mean loss weighted by its share of the global batch: the summed
            // gradients are those of the global batch's mean loss.
            if dataParallel == nil {
                (accumulationSteps > 1 ? loss / Double(accumulationSteps) : loss).backward()
            } else {
                // The last backward before an update starts each bucket's exchange as soon as its
                // gradients are final, overlapping the rest of backward.
                (loss * (Double(local.samples) / Double(stepTally.samples) / Double(accumulationSteps)))
                    .backward(onLeafGradient: update && dataParallel?.overlapsBackward == true ? dataParallel?.gradientReady : nil)
            }
        }
        if update {
            dataParallel?.allReduceGradients(.sum)
            for c in callbacks { try c.beforeOptimizerStep(trainer: self) }
            optimizer.step()
            optimizer.zeroGradients()
            globalStep += 1
        }
        return (value, stepTally)
    }

    /// Loss and metrics over a dataset, in evaluation mode and without gradients (``inference(_:)``:
    /// the model's training flag is not touched).
    public func evaluate(_ data: any BatchSource) -> [String: Double] {
        var tally = Tally(metrics: metrics)
        inference {
            let batches = data.batches(epoch: 0)
            while let batch = batches.next() {
                let output = forward(batch.inputs)
                tally.add(loss: lossFunction(output, batch.targets).item(), outputs: output, targets: batch.targets)
            }
        }
        // A shard of a dataset (one of several processes): the figures of the whole dataset.
        if data.worldSize > 1 { tally = combined(tally) }
        return Dictionary(uniqueKeysWithValues: tally.figures())
    }

    /// The model's outputs for `inputs` (first axis = samples), computed in batches in evaluation
    /// mode (``inference(_:)``: the model's training flag is not touched). Over more than one
    /// batch, the weights of the model's `Linear` layers are packed once for the whole call
    /// (``Module/withPrepackedLinearWeights(_:)``) rather than by the BLAS on every batch.
    public func predict(_ inputs: Tensor, batchSize: Int = 256) -> Tensor {
        ensure(batchSize > 0, "Trainer.predict: batchSize must be positive, got \(batchSize)")
        let n = inputs.shape[0]
        func run() -> Tensor {
            inference {
                let parts = stride(from: 0, to: n, by: batchSize).map { start in
                    forward(inputs.rows(start..<Swift.min(n, start + batchSize)))   // a view: no copy of the batch
                }
                return Tensor.concatenated(parts, axis: 0)
            }
        }
        return n > batchSize ? model.withPrepackedLinearWeights(run) : run()
    }
}

/// Running sums of the loss and metric counts over an epoch.
struct Tally {
    let metrics: [Metric]
    var lossSum = 0.0
    var samples = 0
    /// Each metric's running sum and term count (0: it has not applied to any batch).
    var sums: [Double], terms: [Int]

    init(metrics: [Metric]) {
        self.metrics = metrics
        sums = Array(repeating: 0, count: metrics.count)
        terms = Array(repeating: 0, count: metrics.count)
    }

    mutating func add(loss: Double, outputs: Tensor, targets: Tensor) {
        let n = outputs.shape.first ?? 1
        lossSum += loss * Double(n)
        samples += n
        let scores = outputs.detached()
        for (i, m) in metrics.enumerated() {
            guard let (sum, count) = m.batchSum(outputs: scores, targets: targets) else { continue }
            sums[i] += sum
            terms[i] += count
        }
    }

    mutating func add(_ other: Tally) {
        lossSum += other.lossSum
        samples += other.samples
        for i in sums.indices { sums[i] += other.sums[i]; terms[i] += other.terms[i] }
    }

    /// The sums as numbers to all-reduce, and back.
    var totals: [Double] { [lossSum, Double(samples)] + sums + terms.map(Double.init) }
    init(metrics: [Metric], totals: [Double]) {
        self.init(metrics: metrics)
        let m = metrics.count
        lossSum = totals[0]
        samples = Int(totals[1].rounded())
        sums = Array(totals[2..<(2 + m)])
        terms = totals[(2 + m)...].map { Int($0.rounded()) }
    }

    /// The loss and every metric that applied, averaged.
    func figures() -> [(String, Double)] {
        let n = Double(Swift.max(samples, 1))
        return [("loss", lossSum / n)] + metrics.indices.filter { terms[$0] > 0 }.map { (metrics[$0].name, sums[$0] / Double(terms[$0])) }
    }
}
