import AEMath
import AETestSupport
import Testing

@Suite("Loss")
struct LossTests {
    static let prediction: [Double] = [0.1, 0.8, 0.35, 0.6, 0.92, 0.05]
    static let target: [Double] = [0.0, 1.0, 0.5, 0.25, 0.9, 0.2]

    @Test("each loss's gradient matches central differences in Float64", arguments: Loss.allCases)
    func gradient(loss: Loss) {
        let t = Matrix<Double>(rows: 2, columns: 3, values: Self.target)
        let (_, g) = loss.evaluate(prediction: Matrix(rows: 2, columns: 3, values: Self.prediction), target: t)
        gradientCheck(loss.rawValue, at: Self.prediction, analytic: g.storage, h: 1e-7) { y in
            loss.evaluate(prediction: Matrix(rows: 2, columns: 3, values: y), target: t).value
        }
    }

    @Test("MSE and BCE are means over every element, as PyTorch's default reduction")
    func values() {
        let y = Matrix<Double>(rows: 2, columns: 3, values: Self.prediction)
        let t = Matrix<Double>(rows: 2, columns: 3, values: Self.target)
        let mse = zip(Self.prediction, Self.target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 6
        #expect(abs(Loss.mse.evaluate(prediction: y, target: t).value - mse) < 1e-15)
        let bce = -zip(Self.prediction, Self.target).map { p, q in q * Double.logarithm(p) + (1 - q) * Double.logarithm(1 - p) }
            .reduce(0, +) / 6
        #expect(abs(Loss.bce.evaluate(prediction: y, target: t).value - bce) < 1e-12)
    }

    @Test("BCE clamps each log at −100 so a saturated prediction gives a finite loss")
    func bceClamp() {
        let y = Matrix<Double>(rows: 1, columns: 2, values: [0, 1])
        let t = Matrix<Double>(rows: 1, columns: 2, values: [1, 0])
        let (value, g) = Loss.bce.evaluate(prediction: y, target: t)
        #expect(value == 100)
        #expect(g.storage.allSatisfy { $0.isFinite })
    }

    @Test("the KL term's gradients match central differences in Float64")
    func klGradient() {
        let mean: [Double] = [0.3, -1.2, 0.7, 0.05]
        let logVariance: [Double] = [-0.4, 0.9, 0.1, -2.0]
        let kl = KLDivergence.evaluate(mean: Matrix(rows: 2, columns: 2, values: mean),
                                       logVariance: Matrix(rows: 2, columns: 2, values: logVariance))
        gradientCheck("KL/mean", at: mean, analytic: kl.dMean.storage) { m in
            KLDivergence.evaluate(mean: Matrix(rows: 2, columns: 2, values: m),
                                  logVariance: Matrix(rows: 2, columns: 2, values: logVariance)).value
        }
        gradientCheck("KL/logvar", at: logVariance, analytic: kl.dLogVariance.storage) { lv in
            KLDivergence.evaluate(mean: Matrix(rows: 2, columns: 2, values: mean),
                                  logVariance: Matrix(rows: 2, columns: 2, values: lv)).value
        }
    }

    @Test("KL is zero for the standard normal and sums over latent dimensions, averaged over the batch")
    func klValue() {
        let zero = Matrix<Double>(rows: 3, columns: 4)
        #expect(KLDivergence.evaluate(mean: zero, logVariance: zero).value == 0)
        let mean = Matrix<Double>(rows: 2, columns: 2, values: [1, 0, 0, 0])
        // One sample has ½·1² = 0.5, the other 0: the batch mean is 0.25.
        #expect(abs(KLDivergence.evaluate(mean: mean, logVariance: Matrix(rows: 2, columns: 2)).value - 0.25) < 1e-15)
    }

    @Test("per-row mean squared errors")
    func rowErrors() {
        let y = Matrix<Float>(rows: 2, columns: 2, values: [1, 2, 3, 4])
        let t = Matrix<Float>(rows: 2, columns: 2, values: [1, 0, 0, 4])
        #expect(Loss.rowMeanSquaredErrors(prediction: y, target: t) == [2, 4.5])
    }
}
