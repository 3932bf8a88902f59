// The calibration hook of a training run: after the last epoch, score the held-out split
// with the trained model, for every score kind the model offers.
import AEMath

extension Trainer {
    /// The calibrations of `model` (the run's result) on this run's validation split, or on
    /// its training data when nothing was held out; the hybrid score's density is fitted to
    /// the training split. ELBO draws are seeded by the run's seed
    /// and use its objective (loss, beta), so the same run gives the same numbers.
    public func calibration(of model: Autoencoder<Float>, dataset: String?, classes: [Int]? = nil,
                            createdAt: String? = nil) throws(CalibrationError) -> CalibrationSet {
        let data: Matrix<Float>
        let source: CalibrationSource
        var densityData: Matrix<Float>?
        let validation = validationSamples
        if validation.rows > 0 {
            data = validation
            densityData = trainingSamples
            source = .validationSplit(dataset: dataset, fraction: options.validationSplit, seed: options.seed, classes: classes)
        } else {
            data = trainingSamples
            source = CalibrationSource(kind: "training_data", dataset: dataset, classes: classes)
        }
        let elbo = ELBOSettings(seed: options.seed, beta: options.beta, loss: options.loss)
        var calibrations: [Calibration] = []
        for kind in ScoreKind.available(for: model.architecture) {
            calibrations.append(try Calibration.compute(model: model, data: data, kind: kind, elbo: elbo, densityData: densityData,
                                                        source: source, createdAt: createdAt))
        }
        return CalibrationSet(calibrations)
    }
}
