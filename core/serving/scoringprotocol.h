#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <variant>
#include <vector>

/// MLflow's scoring protocol (POST /invocations of `mlflow models serve`, MLflow 3.17), without
/// the HTTP: a request body and its Content-Type in, the model's input out; the model's outputs
/// in, the response body out. The reference is mlflow/pyfunc/scoring_server/__init__.py and the
/// helpers it calls (proto_json_utils, pyfunc's schema enforcement, the onnx flavor's predict);
/// where this layer departs from them on purpose, the comments below say so.
namespace millrace::serving {

/// What the served model takes.
struct InputSpec
{
    /// Tensor: a fixed-shape float32 sample per row (images; MLflow's tensor signature).
    /// Table: named columns whose raw text the model's own preprocessing reads (MLflow's
    /// column-based signature).
    enum class Kind { Tensor, Table };
    Kind kind = Kind::Tensor;
    /// The model's input name in its ONNX graph and MLmodel signature.
    QString inputName = QStringLiteral("input");
    /// Tensor: one sample's shape, every dimension positive, e.g. {28, 28}.
    std::vector<qint64> sampleShape;
    /// Table: the feature columns in the model's order.
    QStringList columns;

    /// Tensor: values per sample, the product of sampleShape (1 for an empty shape).
    qint64 sampleSize() const;
};

/// The request field (or Content-Type) a batch came in.
enum class RequestFormat { DataframeSplit, DataframeRecords, Instances, Inputs, Csv };

/// How predictionsJson() lays out the outputs, as MLflow's onnx flavor does for the model's
/// signature. A tensor signature gets {"predictions": {name: [[...], ...]}} whatever the request
/// format (pyfunc turns every format into arrays before the flavor sees it); a column-based one
/// gets {"predictions": [{name: ...}, ...]}, one record per row (pyfunc hands the flavor a
/// DataFrame, and the flavor answers with one).
enum class PredictionsLayout { Columns, Records };

/// A parsed request: `rows` samples, in the request's order.
struct ScoringBatch
{
    qint64 rows = 0;
    /// Tensor: rows x sampleSize() floats, row-major; every value finite.
    std::vector<float> values;
    /// Table: rows x columns.size() cells, row-major, in InputSpec::columns order. JSON numbers
    /// are their literal as sent ("1e2" stays "1e2"); strings are their text; true and false
    /// are "true" and "false"; null, NaN and a record without the column are "" (missing, as
    /// pandas reads them). CSV cells are their text, unquoted.
    std::vector<QString> cells;
    RequestFormat format = RequestFormat::Inputs;
    PredictionsLayout layout = PredictionsLayout::Columns;
    /// The request's "params" object (empty when absent or null; CSV has none).
    QJsonObject params;

    /// Whether the request was a DataFrame: dataframe_split, dataframe_records or CSV.
    bool fromDataframe() const;
};

/// A refused request, as the server must answer it.
struct ScoringError
{
    /// 400 with MLflow's error JSON, or 415 with plain text, as MLflow answers.
    int status = 400;
    QByteArray contentType;
    QByteArray body;
};

/// The error codes MLflow's scoring server answers 400 with: BAD_REQUEST for a body it cannot
/// read (not JSON, no single format field, a non-number, a ragged list), INVALID_PARAMETER_VALUE
/// for a readable body that does not fit the model (shape, width, missing column, no rows).
inline constexpr char kBadRequest[] = "BAD_REQUEST";
inline constexpr char kInvalidParameterValue[] = "INVALID_PARAMETER_VALUE";

/// Reads a POST /invocations body into a batch for `spec`, or says why not.
///
/// Content-Type: application/json or text/csv, with at most a charset parameter, which must be
/// utf-8 (any case); anything else is 415 as in MLflow, and so is a missing or empty
/// Content-Type (where MLflow fails with 500). MLflow's parquet type is not taken (415).
///
/// JSON: an object with exactly one of dataframe_split, dataframe_records, instances, inputs,
/// plus optionally "params" (an object, or null); other keys are ignored, as in MLflow.
/// - Tensor spec: `inputs` and `instances` take a list of samples; `inputs` also takes
///   {inputName: [samples]} and `instances` a list of {inputName: sample} records. A sample is
///   nested exactly as sampleShape, or flat with sampleSize() numbers (MLflow only takes the
///   nested form). DataFrames (dataframe_split, dataframe_records, CSV) take either a column
///   named inputName holding a sample per row, as MLflow does, or, beyond MLflow, one number
///   per column, sampleSize() columns (whatever their names, in their order).
/// - Table spec: dataframe_split matches `columns` by name (without `columns`, by position),
///   dataframe_records, `instances` and `inputs` take records, `inputs` also {column: [values]}
///   or {column: value} for one row; CSV has a header line. Columns the model does not take are
///   ignored; a missing column is refused, naming it (a record may lack a column: that cell is
///   missing, as in pandas).
///
/// Refused with 400 and a message naming the place (as a JSON path, or a CSV line) and what was
/// expected: malformed JSON or CSV, a ragged list or row, a non-number or a non-finite number
/// in a tensor (MLflow passes NaN on), a wrong shape or width, a missing column, no rows (MLflow
/// answers a header-only CSV with empty predictions), and more than `maxRows` rows when
/// `maxRows` > 0. Too many rows is a 400 INVALID_PARAMETER_VALUE, not a 413: the body may be
/// small, and a limit on its size in bytes belongs to the HTTP layer.
std::variant<ScoringBatch, ScoringError> parseScoringRequest(QByteArrayView body,
                                                             QByteArrayView contentType,
                                                             const InputSpec &spec, qint64 maxRows);

/// The 200 response body for `request`: `outputs` holds request.rows x `width` values, named
/// `outputName` ("logits" or "predictions" in Millrace's exports), laid out as
/// request.layout says: {"predictions": {"logits": [[...], ...]}} or {"predictions": [{"logits":
/// [...]}, ...]} (a scalar per record when `width` is 1; MLflow's onnx flavor flattens a wider
/// output into width records per row, which loses the rows, so this keeps one list per row).
/// `extra` adds top-level keys after "predictions" (MLflow's metadata; a "predictions" key in
/// it is ignored). Written as Python's json.dumps writes it, so byte for byte MLflow's answer.
QByteArray predictionsJson(const ScoringBatch &request, const QString &outputName, qint64 width,
                           const std::vector<float> &outputs, const QJsonObject &extra = {});

/// MLflow's error body: {"error_code": errorCode, "message": message}. (MLflow 3 adds
/// "sqlstate" and "error_class", which its clients do not read; they are left out.)
QByteArray errorJson(const QString &errorCode, const QString &message);

} // namespace millrace::serving
