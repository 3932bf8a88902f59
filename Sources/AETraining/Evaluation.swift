// Whole-dataset evaluation in bounded chunks.
import AEMath
import AEModel

/// Measures a model on a dataset.
public enum Evaluation {
    /// Mean squared reconstruction error over every value of `data`, in chunks of 1024 rows.
    public static func meanSquaredError(of model: Autoencoder<Float>, on data: Matrix<Float>) -> Double {
        var total = 0.0
        for start in stride(from: 0, to: data.rows, by: 1024) {
            let rows = start..<min(start + 1024, data.rows)
            let errors = model.reconstruct(data.gatherRows(rows)).errors
            total += errors.reduce(0) { $0 + Double($1) }
        }
        return total / Double(max(data.rows, 1))
    }
}
