#include "core/serving/scoringprotocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace millrace::serving;
using namespace Qt::StringLiterals;

namespace {

// A model taking 2 x 3 samples, small enough to write every value of a request by hand.
InputSpec tensorSpec()
{
    InputSpec spec;
    spec.kind = InputSpec::Kind::Tensor;
    spec.inputName = u"input"_s;
    spec.sampleShape = {2, 3};
    return spec;
}

// A model taking three columns, in this order.
InputSpec tableSpec()
{
    InputSpec spec;
    spec.kind = InputSpec::Kind::Table;
    spec.inputName = u"input"_s;
    spec.columns = {u"age"_s, u"colour"_s, u"height"_s};
    return spec;
}

const std::vector<float> kTensorValues{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5f};
const std::vector<QString> kTableCells{u"42"_s, u"red"_s, u"1.5"_s, u"7"_s, u"blue"_s, QString()};

// The first difference between two float lists, compared bit for bit; empty when equal.
QString firstDifference(const std::vector<float> &actual, const std::vector<float> &expected)
{
    if (actual.size() != expected.size())
        return u"%1 values, expected %2"_s.arg(actual.size()).arg(expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (std::memcmp(&actual[i], &expected[i], sizeof(float)) != 0)
            return u"value %1 is %2, expected %3"_s.arg(i)
                .arg(double(actual[i]), 0, 'g', 9)
                .arg(double(expected[i]), 0, 'g', 9);
    }
    return QString();
}

QString firstDifference(const std::vector<QString> &actual, const std::vector<QString> &expected)
{
    if (actual.size() != expected.size())
        return u"%1 cells, expected %2"_s.arg(actual.size()).arg(expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (actual[i] != expected[i])
            return u"cell %1 is '%2', expected '%3'"_s.arg(i).arg(actual[i], expected[i]);
    }
    return QString();
}

QString describe(const std::variant<ScoringBatch, ScoringError> &result)
{
    if (const auto *error = std::get_if<ScoringError>(&result))
        return u"refused with %1: %2"_s.arg(error->status).arg(QString::fromUtf8(error->body));
    return u"accepted"_s;
}

// A request with the JSON content type and no row limit.
std::variant<ScoringBatch, ScoringError> parseJson(const QByteArray &body, const InputSpec &spec)
{
    return parseScoringRequest(body, "application/json", spec, 0);
}

} // namespace

class TestScoringProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tensorFormats_data();
    void tensorFormats();
    void tableFormats_data();
    void tableFormats();
    void tableCellsKeepTheirText();
    void csvCellsAreUnquoted();
    void recordsWithManyOtherKeys();
    void scalarSamples();
    void tableSingleRowOfScalars();
    void numbersReadAsNumpyReadsThem();
    void paramsAreKept();
    void rowLimitIsInclusive();
    void contentTypesAccepted_data();
    void contentTypesAccepted();
    void refusals_data();
    void refusals();
    void predictionsForTensorModels();
    void predictionsForTableModels();
    void predictionsSpellFloatsAsPython();
    void predictionsWithExtraKeys();
    void errorBody();
};

void TestScoringProtocol::tensorFormats_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("format");

    const auto json = QByteArrayLiteral("application/json");
    const int inputs = int(RequestFormat::Inputs);
    const int instances = int(RequestFormat::Instances);
    const int split = int(RequestFormat::DataframeSplit);
    const int records = int(RequestFormat::DataframeRecords);
    QTest::newRow("inputs, nested")
        << QByteArray(R"({"inputs": [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12.5]]]})")
        << json << inputs;
    QTest::newRow("inputs, its key written with an escape")
        << QByteArray(R"({"in\u0070uts": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12.5]]})") << json
        << inputs;
    QTest::newRow("inputs, flat") << QByteArray(
        R"({"inputs": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12.5]]})")
                                  << json << inputs;
    QTest::newRow("inputs, by input name, one nested one flat")
        << QByteArray(R"({"inputs": {"input": [[[1, 2, 3], [4, 5, 6]], [7, 8, 9, 10, 11, 12.5]]},
                          "other": 1})")
        << json << inputs;
    QTest::newRow("inputs, records") << QByteArray(
        R"({"inputs": [{"input": [1, 2, 3, 4, 5, 6]}, {"input": [7, 8, 9, 10, 11, 12.5]}]})")
                                     << json << inputs;
    QTest::newRow("instances, nested")
        << QByteArray(R"({"instances": [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12.5]]]})")
        << json << instances;
    QTest::newRow("instances, records")
        << QByteArray(R"({"instances": [{"input": [[1, 2, 3], [4, 5, 6]]},
                                         {"input": [7, 8, 9, 10, 11, 12.5], "id": "b"}]})")
        << json << instances;
    QTest::newRow("dataframe_split, an input column (MLflow's way)")
        << QByteArray(R"({"dataframe_split": {"columns": ["id", "input"],
                          "data": [["a", [1, 2, 3, 4, 5, 6]], ["b", [[7, 8, 9], [10, 11, 12.5]]]]}})")
        << json << split;
    QTest::newRow("dataframe_split, a column per value")
        << QByteArray(R"({"dataframe_split": {"columns": ["p0", "p1", "p2", "p3", "p4", "p5"],
                          "index": [10, 11], "data": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12.5]]}})")
        << json << split;
    QTest::newRow("dataframe_split, no columns") << QByteArray(
        R"({"dataframe_split": {"data": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12.5]]}})")
                                                 << json << split;
    QTest::newRow("dataframe_split, one unnamed column of samples") << QByteArray(
        R"({"dataframe_split": {"data": [[[1, 2, 3, 4, 5, 6]], [[7, 8, 9, 10, 11, 12.5]]]}})")
                                                                    << json << split;
    QTest::newRow("dataframe_records, an input column")
        << QByteArray(R"({"dataframe_records": [{"input": [1, 2, 3, 4, 5, 6]},
                                                 {"input": [7, 8, 9, 10, 11, 12.5]}]})")
        << json << records;
    QTest::newRow("dataframe_records, a column per value, keys in any order")
        << QByteArray(R"({"dataframe_records": [{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6},
                          {"f": 12.5, "e": 11, "d": 10, "c": 9, "b": 8, "a": 7}]})")
        << json << records;
    QTest::newRow("csv") << QByteArray("p0,p1,p2,p3,p4,p5\n1,2,3,4,5,6\n7,8,9,10,11,12.5\n")
                         << QByteArrayLiteral("text/csv") << int(RequestFormat::Csv);
    QTest::newRow("csv with a BOM, CRLF, quotes, spaces and a blank line")
        << QByteArray("\xEF\xBB\xBF\"p0\",p1,p2,p3,p4,p5\r\n\r\n\"1\", 2,3 ,+4,5e0,6\r\n"
                      "7,8,9,10,11,12.50")
        << QByteArrayLiteral("text/csv; charset=utf-8") << int(RequestFormat::Csv);
}

void TestScoringProtocol::tensorFormats()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, format);
    const auto result = parseScoringRequest(body, contentType, tensorSpec(), 2);
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    QCOMPARE(batch->rows, 2);
    const QString difference = firstDifference(batch->values, kTensorValues);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
    QVERIFY(batch->cells.empty());
    QCOMPARE(int(batch->format), format);
    // A tensor model answers with arrays whatever the request's format, as in MLflow.
    QCOMPARE(batch->layout, PredictionsLayout::Columns);
    const bool dataframe = format == int(RequestFormat::DataframeSplit)
                           || format == int(RequestFormat::DataframeRecords)
                           || format == int(RequestFormat::Csv);
    QCOMPARE(batch->fromDataframe(), dataframe);
}

void TestScoringProtocol::tableFormats_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("format");

    const auto json = QByteArrayLiteral("application/json");
    QTest::newRow("dataframe_split, columns in another order, one extra")
        << QByteArray(R"({"dataframe_split": {"columns": ["colour", "extra", "height", "age"],
                          "data": [["red", 1, 1.5, 42], ["blue", 2, null, 7]]}})")
        << json << int(RequestFormat::DataframeSplit);
    QTest::newRow("dataframe_split, by position")
        << QByteArray(R"({"dataframe_split": {"data": [[42, "red", 1.5], [7, "blue", null]]}})")
        << json << int(RequestFormat::DataframeSplit);
    QTest::newRow("dataframe_records, one record without height")
        << QByteArray(R"({"dataframe_records": [{"age": 42, "colour": "red", "height": 1.5, "x": 0},
                                                 {"colour": "blue", "age": 7}]})")
        << json << int(RequestFormat::DataframeRecords);
    QTest::newRow("instances, records")
        << QByteArray(R"({"instances": [{"height": 1.5, "colour": "red", "age": 42},
                                         {"height": null, "colour": "blue", "age": 7}]})")
        << json << int(RequestFormat::Instances);
    QTest::newRow("inputs, columns") << QByteArray(
        R"({"inputs": {"age": [42, 7], "colour": ["red", "blue"], "height": [1.5, NaN]}})")
                                     << json << int(RequestFormat::Inputs);
    QTest::newRow("inputs, records")
        << QByteArray(R"({"inputs": [{"age": 42, "colour": "red", "height": 1.5},
                                      {"age": 7, "colour": "blue", "height": null}]})")
        << json << int(RequestFormat::Inputs);
    QTest::newRow("csv, an empty cell")
        << QByteArray("colour,age,height,extra\nred,42,1.5,x\n\"blue\",7,,\"y, z\"\n")
        << QByteArrayLiteral("text/csv") << int(RequestFormat::Csv);
}

void TestScoringProtocol::tableFormats()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, format);
    const auto result = parseScoringRequest(body, contentType, tableSpec(), 0);
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    QCOMPARE(batch->rows, 2);
    const QString difference = firstDifference(batch->cells, kTableCells);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
    QVERIFY(batch->values.empty());
    QCOMPARE(int(batch->format), format);
    // A column-based model answers with records whatever the request's format, as in MLflow.
    QCOMPARE(batch->layout, PredictionsLayout::Records);
}

void TestScoringProtocol::tableCellsKeepTheirText()
{
    const auto result = parseJson(
        R"({"dataframe_records": [{"\u0061ge": 1e2, "colour": "gr\u00fcn \"x\"", "height": -0.50},
                                  {"age": true, "colour": false, "height": Infinity}]})",
        tableSpec());
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    const std::vector<QString> expected{u"1e2"_s,  u"grün \"x\""_s, u"-0.50"_s,
                                        u"true"_s, u"false"_s,      u"Infinity"_s};
    const QString difference = firstDifference(batch->cells, expected);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestScoringProtocol::csvCellsAreUnquoted()
{
    const QByteArray body = "age,colour,height\r\n"
                            "\" 4 \",\"say \"\"hi\"\"\",\"a,b\"\r\n"
                            "5,\"two\r\nlines\",\r\n";
    const auto result = parseScoringRequest(body, "text/csv", tableSpec(), 0);
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    const std::vector<QString> expected{u" 4 "_s, u"say \"hi\""_s,   u"a,b"_s,
                                        u"5"_s,   u"two\r\nlines"_s, QString()};
    const QString difference = firstDifference(batch->cells, expected);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

// Each record may name other keys; only the model's columns are laid out per row.
void TestScoringProtocol::recordsWithManyOtherKeys()
{
    QByteArray body = R"({"dataframe_records": [)";
    const int rows = 3000;
    for (int i = 0; i < rows; ++i) {
        body += (i > 0 ? ", " : "") + QByteArray(R"({"age": )") + QByteArray::number(i)
                + R"(, "colour": "c", "height": 2, "note)" + QByteArray::number(i) + R"(": 0})";
    }
    body += "]}";
    const auto result = parseJson(body, tableSpec());
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    QCOMPARE(batch->rows, rows);
    QCOMPARE(batch->cells.size(), std::size_t(3 * rows));
    QCOMPARE(batch->cells[3 * 2999], u"2999"_s);
    QCOMPARE(batch->cells[3 * 2999 + 1], u"c"_s);
}

void TestScoringProtocol::scalarSamples()
{
    InputSpec spec = tensorSpec();
    spec.sampleShape = {};
    const auto result = parseJson(R"({"instances": [1.5, [2], 3]})", spec);
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    const QString difference = firstDifference(batch->values, {1.5f, 2.0f, 3.0f});
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestScoringProtocol::tableSingleRowOfScalars()
{
    const auto result =
        parseJson(R"({"inputs": {"height": "", "colour": "red", "age": 3}})", tableSpec());
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    QCOMPARE(batch->rows, 1);
    const QString difference =
        firstDifference(batch->cells, std::vector<QString>{u"3"_s, u"red"_s, QString()});
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

// MLflow reads JSON numbers as Python floats (doubles) and numpy then rounds them to float32;
// reading them straight to float32 would differ in the last bit for some literals.
void TestScoringProtocol::numbersReadAsNumpyReadsThem()
{
    InputSpec spec = tensorSpec();
    spec.sampleShape = {9};
    const auto result = parseJson(R"({"inputs": [[0.1, 1e-400, -0.0, 1E+2, 0.30000001192092896,
        16777217, 1.00000005960464477539062500001, 3.4028235e38, 3.4028235677973362e38]]})",
                                  spec);
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    const std::vector<float> expected{0.1f, 0.0f, -0.0f, 100.0f, 0.3f, 16777216.0f,
                                      // double(literal) rounds to 1 + 2^-24, a tie that float
                                      // rounding breaks to even: 1, where the literal read
                                      // straight to float32 would be 1 + 2^-23.
                                      1.0f, std::numeric_limits<float>::max(),
                                      // just below halfway to 2^128: still the largest float
                                      std::numeric_limits<float>::max()};
    const QString difference = firstDifference(batch->values, expected);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestScoringProtocol::paramsAreKept()
{
    const auto result = parseJson(
        R"({"params": {"temperature": 0.5, "n": 3, "tags": ["a"]}, "inputs": [[1, 2, 3, 4, 5, 6]]})",
        tensorSpec());
    const auto *batch = std::get_if<ScoringBatch>(&result);
    QVERIFY2(batch, qPrintable(describe(result)));
    const QJsonObject expected{
        {u"temperature"_s, 0.5}, {u"n"_s, 3}, {u"tags"_s, QJsonArray{u"a"_s}}};
    QCOMPARE(batch->params, expected);

    const auto withNull =
        parseJson(R"({"params": null, "inputs": [[1, 2, 3, 4, 5, 6]]})", tensorSpec());
    QVERIFY2(std::holds_alternative<ScoringBatch>(withNull), qPrintable(describe(withNull)));
    QVERIFY(std::get<ScoringBatch>(withNull).params.isEmpty());
}

void TestScoringProtocol::rowLimitIsInclusive()
{
    const QByteArray body = R"({"inputs": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12.5]]})";
    const auto atLimit = parseScoringRequest(body, "application/json", tensorSpec(), 2);
    QVERIFY2(std::holds_alternative<ScoringBatch>(atLimit), qPrintable(describe(atLimit)));
    const auto unlimited = parseScoringRequest(body, "application/json", tensorSpec(), 0);
    QVERIFY2(std::holds_alternative<ScoringBatch>(unlimited), qPrintable(describe(unlimited)));
}

void TestScoringProtocol::contentTypesAccepted_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::newRow("plain") << QByteArrayLiteral("application/json");
    QTest::newRow("charset") << QByteArrayLiteral("application/json; charset=utf-8");
    QTest::newRow("charset in capitals, no space")
        << QByteArrayLiteral("application/json;charset=UTF-8");
    QTest::newRow("spaces around") << QByteArrayLiteral("  application/json ;  charset=utf-8 ");
    QTest::newRow("repeated charset, the last wins")
        << QByteArrayLiteral("application/json; charset=latin-1; charset=utf-8");
}

void TestScoringProtocol::contentTypesAccepted()
{
    QFETCH(QByteArray, contentType);
    const auto result =
        parseScoringRequest(R"({"inputs": [[1, 2, 3, 4, 5, 6]]})", contentType, tensorSpec(), 0);
    QVERIFY2(std::holds_alternative<ScoringBatch>(result), qPrintable(describe(result)));
}

void TestScoringProtocol::refusals_data()
{
    QTest::addColumn<bool>("table");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<qint64>("maxRows");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode"); // empty for a plain-text 415
    QTest::addColumn<QString>("message");

    const auto json = QByteArrayLiteral("application/json");
    const auto csv = QByteArrayLiteral("text/csv");
    const QString bad = u"BAD_REQUEST"_s;
    const QString invalid = u"INVALID_PARAMETER_VALUE"_s;
    const QString required =
        u"The input must be a JSON dictionary with exactly one of the input fields "
        u"{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"_s;
    const QByteArray sample = "[1, 2, 3, 4, 5, 6]";

    // What the body is.
    QTest::newRow("malformed JSON")
        << false << QByteArray(R"({"inputs": [)") << json << qint64(0) << 400 << bad
        << u"Invalid input. Ensure that input is a valid JSON formatted string. Error: "
           u"'Expecting value: line 1 column 13 (char 12)'"_s;
    QTest::newRow("text after the JSON")
        << false << QByteArray("{\"inputs\": []}\n x") << json << qint64(0) << 400 << bad
        << u"Invalid input. Ensure that input is a valid JSON formatted string. Error: "
           u"'Extra data: line 2 column 2 (char 16)'"_s;
    QTest::newRow("trailing comma")
        << false << QByteArray(R"({"inputs": [1,]})") << json << qint64(0) << 400 << bad
        << u"Invalid input. Ensure that input is a valid JSON formatted string. Error: "
           u"'Expecting value: line 1 column 15 (char 14)'"_s;
    QTest::newRow("not UTF-8")
        << false << QByteArray("{\"inputs\": \"\xFF\"}") << json << qint64(0) << 400 << bad
        << u"Invalid input. Ensure that input is a valid JSON formatted string. Error: "
           u"''utf-8' codec can't decode byte 0xff in position 12: invalid start byte'"_s;
    QTest::newRow("a list") << false << QByteArray("[" + sample + "]") << json << qint64(0) << 400
                            << bad << u"Invalid input. %1. Received a list."_s.arg(required);
    QTest::newRow("a number")
        << false << QByteArray("3") << json << qint64(0) << 400 << bad
        << u"Invalid input. %1. Received unexpected input type 'number'."_s.arg(required);
    QTest::newRow("two format fields")
        << false
        << QByteArray(R"({"inputs": [)" + sample + R"(], "params": {}, "instances": [)" + sample
                      + "]}")
        << json << qint64(0) << 400 << bad
        << u"%1. Received dictionary with input fields: ['inputs', 'params', 'instances']."_s.arg(
               required);
    QTest::newRow("no format field")
        << false << QByteArray(R"({"data": [)" + sample + "]}") << json << qint64(0) << 400 << bad
        << u"%1. Received dictionary with input fields: ['data']."_s.arg(required);
    QTest::newRow("params not a dictionary")
        << false << QByteArray(R"({"inputs": [)" + sample + R"(], "params": [1]})") << json
        << qint64(0) << 400 << bad << u"Invalid input. 'params' must be a dictionary, got list."_s;

    // Tensors.
    QTest::newRow("wrong shape")
        << false << QByteArray(R"({"inputs": [[[1, 2], [3, 4]]]})") << json << qint64(0) << 400
        << invalid
        << u"inputs[0][0]: expected a list of 3 (the model takes samples of 2 x 3), got 2 values"_s;
    QTest::newRow("ragged, nested")
        << false << QByteArray(R"({"inputs": [[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5]]]})")
        << json << qint64(0) << 400 << invalid
        << u"inputs[1][1]: expected a list of 3 (the model takes samples of 2 x 3), got 2 values"_s;
    QTest::newRow("ragged, flat")
        << false << QByteArray(R"({"instances": [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5]]})") << json
        << qint64(0) << 400 << invalid
        << u"instances[1]: a flat sample must have 6 numbers, got 5 (or send it nested, 2 x 3)"_s;
    QTest::newRow("a sample one level too deep")
        << false << QByteArray(R"({"inputs": [[[[1], [2], [3]], [[4], [5], [6]]]]})") << json
        << qint64(0) << 400 << bad
        << u"Invalid input. inputs[0][0][0]: expected a number, got a list (the model takes "
           u"samples of 2 x 3)"_s;
    QTest::newRow("no batch dimension")
        << false << QByteArray(R"({"inputs": [[1, 2, 3], [4, 5, 6]]})") << json << qint64(0) << 400
        << invalid
        << u"inputs[0]: a flat sample must have 6 numbers, got 3 (or send it nested, 2 x 3)"_s;
    QTest::newRow("a string") << false << QByteArray(R"({"inputs": [[[1, 2, 3], [4, "5", 6]]]})")
                              << json << qint64(0) << 400 << bad
                              << u"Invalid input. inputs[0][1][1]: \"5\" is not a number"_s;
    QTest::newRow("null") << false << QByteArray(R"({"inputs": [[1, 2, null, 4, 5, 6]]})") << json
                          << qint64(0) << 400 << bad
                          << u"Invalid input. inputs[0][2]: null is not a number"_s;
    QTest::newRow("NaN") << false << QByteArray(R"({"inputs": [[1, 2, 3, 4, NaN, 6]]})") << json
                         << qint64(0) << 400 << bad
                         << u"Invalid input. inputs[0][4]: NaN is not a finite number"_s;
    QTest::newRow("-Infinity")
        << false << QByteArray(R"({"inputs": {"input": [[[1, 2, 3], [4, 5, -Infinity]]]}})") << json
        << qint64(0) << 400 << bad
        << u"Invalid input. inputs.input[0][1][2]: -Infinity is not a finite number"_s;
    QTest::newRow("beyond float32")
        << false << QByteArray(R"({"inputs": [[1, 2, 3, 4, 5, 1e39]]})") << json << qint64(0) << 400
        << bad << u"Invalid input. inputs[0][5]: 1e39 is out of float32 range"_s;
    // 2^128 - 2^103, halfway between the largest float32 and 2^128: rounds to infinity.
    QTest::newRow("just beyond float32")
        << false << QByteArray(R"({"inputs": [[1, 2, 3, 4, 5, -3.4028235677973366e38]]})") << json
        << qint64(0) << 400 << bad
        << u"Invalid input. inputs[0][5]: -3.4028235677973366e38 is out of float32 range"_s;
    QTest::newRow("no rows") << false << QByteArray(R"({"inputs": []})") << json << qint64(0) << 400
                             << invalid << u"inputs holds no rows to score"_s;
    QTest::newRow("too many rows")
        << false << QByteArray(R"({"inputs": [)" + sample + ", " + sample + ", " + sample + "]}")
        << json << qint64(2) << 400 << invalid
        << u"inputs holds 3 rows, more than the 2 this server scores per request"_s;
    QTest::newRow("inputs without the input name")
        << false << QByteArray(R"({"inputs": {"pixels": [)" + sample + "]}}") << json << qint64(0)
        << 400 << invalid
        << u"Model is missing inputs ['input']: 'inputs' has the fields ['pixels']"_s;
    QTest::newRow("dataframe with too few columns")
        << false << QByteArray(R"({"dataframe_split": {"data": [[1, 2, 3, 4, 5]]}})") << json
        << qint64(0) << 400 << invalid
        << u"dataframe_split has 5 columns; the model takes samples of 2 x 3: one number per "
           u"column (6 columns), or a column 'input' holding each sample"_s;
    QTest::newRow("dataframe_split, a ragged row")
        << false
        << QByteArray(R"({"dataframe_split": {"data": [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5]]}})")
        << json << qint64(0) << 400 << bad
        << u"Invalid input. dataframe_split.data[1] has 5 values, data[0] has 6"_s;
    QTest::newRow("dataframe_split, a row wider than its columns")
        << false << QByteArray(R"({"dataframe_split": {"columns": ["input"], "data": [[[1], 2]]}})")
        << json << qint64(0) << 400 << bad
        << u"Invalid input. dataframe_split.data[0] has 2 values, 'columns' names 1"_s;
    QTest::newRow("dataframe_split, a list")
        << false << QByteArray(R"({"dataframe_split": [[1, 2, 3, 4, 5, 6]]})") << json << qint64(0)
        << 400 << bad << u"Invalid input. Dataframe split format must be a dictionary. Got list."_s;
    QTest::newRow("dataframe_split, an unknown field")
        << false << QByteArray(R"({"dataframe_split": {"data": [], "shape": [1]}})") << json
        << qint64(0) << 400 << bad
        << u"Invalid input. Dataframe split format must have 'data' field and optionally "
           u"'columns' and 'index' fields. Got ['data', 'shape']."_s;
    QTest::newRow("dataframe_records, a dictionary")
        << false << QByteArray(R"({"dataframe_records": {"input": [1]}})") << json << qint64(0)
        << 400 << bad
        << u"Invalid input. Dataframe records format must be a list of records. Got dictionary."_s;
    QTest::newRow("dataframe_records, a record without the input")
        << false
        << QByteArray(R"({"dataframe_records": [{"input": [1, 2, 3, 4, 5, 6]}, {"id": 2}]})")
        << json << qint64(0) << 400 << invalid << u"dataframe_records[1].input is missing"_s;
    QTest::newRow("csv, a non-number")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,x3,4,5,6\n") << csv << qint64(0)
        << 400 << bad << u"Invalid input. line 3, column 'c': 'x3' is not a number"_s;
    QTest::newRow("csv, an empty cell")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,,6\n") << csv << qint64(0) << 400 << bad
        << u"Invalid input. line 2, column 'e': the cell is empty"_s;
    QTest::newRow("csv, nan")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,nan,6\n") << csv << qint64(0) << 400 << bad
        << u"Invalid input. line 2, column 'e': 'nan' is not a finite number"_s;
    QTest::newRow("csv, a quote never closed")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,5,6\n\"1,2,3,4,5,6\n") << csv << qint64(0)
        << 400 << bad
        << u"Failed to parse the input as CSV (a header line, then a line per row, RFC 4180). "
           u"Error: 'line 3: a quoted field is never closed'"_s;
    QTest::newRow("csv, a quote inside a field")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,5,6 \"7\"\n") << csv << qint64(0) << 400 << bad
        << u"Failed to parse the input as CSV (a header line, then a line per row, RFC 4180). "
           u"Error: 'line 2: a quote inside an unquoted field; a field holding quotes must be "
           u"quoted as a whole, its quotes doubled'"_s;
    QTest::newRow("csv, text after a closing quote")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,5,\"6\"7\n") << csv << qint64(0) << 400 << bad
        << u"Failed to parse the input as CSV (a header line, then a line per row, RFC 4180). "
           u"Error: 'line 2: text after the closing quote of a field'"_s;
    QTest::newRow("csv, a short row")
        << false << QByteArray("a,b,c,d,e,f\n1,2,3,4,5,6\n\n1,2,3\n") << csv << qint64(0) << 400
        << bad
        << u"Failed to parse the input as CSV (a header line, then a line per row, RFC 4180). "
           u"Error: 'line 4 has 3 fields, the header has 6'"_s;
    QTest::newRow("csv, a header alone") << false << QByteArray("a,b,c,d,e,f\n") << csv << qint64(0)
                                         << 400 << invalid << u"the CSV holds no rows to score"_s;
    QTest::newRow("csv, nothing")
        << false << QByteArray("\n\n") << csv << qint64(0) << 400 << bad
        << u"Failed to parse the input as CSV (a header line, then a line per row, RFC 4180). "
           u"Error: 'No columns to parse from file: the text has no header line'"_s;

    // Tables.
    QTest::newRow("a missing column")
        << true
        << QByteArray(R"({"dataframe_records": [{"age": 1, "colour": "red"}, {"colour": "blue"}]})")
        << json << qint64(0) << 400 << invalid
        << u"Model is missing inputs ['height'] (dataframe_records has the columns ['age', "
           u"'colour'])"_s;
    QTest::newRow("csv, two missing columns")
        << true << QByteArray("Age,colour\n1,red\n") << csv << qint64(0) << 400 << invalid
        << u"Model is missing inputs ['age', 'height'] (the CSV has the columns ['Age', "
           u"'colour'])"_s;
    QTest::newRow("column names that look like placeholders")
        << true << QByteArray(R"({"dataframe_records": [{"%1": 1, "%2": 2}]})") << json << qint64(0)
        << 400 << invalid
        << u"Model is missing inputs ['age', 'colour', 'height'] (dataframe_records has the "
           u"columns ['%1', '%2'])"_s;
    QTest::newRow("a list in a cell")
        << true
        << QByteArray(R"({"dataframe_records": [{"age": [1], "colour": "red", "height": 2}]})")
        << json << qint64(0) << 400 << bad
        << u"Invalid input. dataframe_records[0].age: a list is not a table cell (the model "
           u"takes one value per column)"_s;
    QTest::newRow("a column twice")
        << true << QByteArray(R"({"dataframe_split": {"columns": ["age", "colour", "height", "age"],
                                              "data": [[1, "red", 2, 3]]}})")
        << json << qint64(0) << 400 << bad
        << u"Invalid input. dataframe_split: the column 'age' appears more than once"_s;
    QTest::newRow("by position, too few values")
        << true << QByteArray(R"({"dataframe_split": {"data": [[1, "red"]]}})") << json << qint64(0)
        << 400 << invalid
        << u"dataframe_split has 2 values per row and no 'columns'; the model takes 3 columns, "
           u"['age', 'colour', 'height'], matched by position"_s;
    QTest::newRow("columns of different lengths")
        << true << QByteArray(R"({"inputs": {"age": [1, 2], "colour": ["red"], "height": [1, 2]}})")
        << json << qint64(0) << 400 << bad
        << u"Invalid input. The length of values for each input/column name are not the same: "
           u"inputs.age has 2, inputs.colour has 1."_s;
    QTest::newRow("instances of lists")
        << true << QByteArray(R"({"instances": [[1, "red", 2]]})") << json << qint64(0) << 400
        << bad
        << u"Invalid input. For a table, the rows of 'instances' must be records ({column: "
           u"value}); instances[0] is a list."_s;
    QTest::newRow("too many records")
        << true << QByteArray(R"({"dataframe_records": [{}, {}]})") << json << qint64(1) << 400
        << invalid
        << u"dataframe_records holds 2 rows, more than the 1 this server scores per "
           u"request"_s;

    // Content types, refused with 415 and plain text as MLflow refuses them.
    const QByteArray body = R"({"inputs": [[1, 2, 3, 4, 5, 6]]})";
    const QString types =
        u"This predictor only supports the following content types: Types: ['text/csv', "
        u"'application/json']."_s;
    QTest::newRow("another media type")
        << false << body << QByteArrayLiteral("application/xml") << qint64(0) << 415 << QString()
        << types + u" Got 'application/xml'."_s;
    QTest::newRow("parquet") << false << body << QByteArrayLiteral("application/vnd.apache.parquet")
                             << qint64(0) << 415 << QString()
                             << types + u" Got 'application/vnd.apache.parquet'."_s;
    QTest::newRow("media type in capitals")
        << false << body << QByteArrayLiteral("Application/JSON") << qint64(0) << 415 << QString()
        << types + u" Got 'Application/JSON'."_s;
    QTest::newRow("no content type") << false << body << QByteArray() << qint64(0) << 415
                                     << QString() << u"The request has no Content-Type. "_s + types;
    QTest::newRow("another charset")
        << false << body << QByteArrayLiteral("application/json; charset=latin-1") << qint64(0)
        << 415 << QString() << u"The scoring server only supports UTF-8"_s;
    QTest::newRow("a quoted charset")
        << false << body << QByteArrayLiteral("application/json; charset=\"utf-8\"") << qint64(0)
        << 415 << QString() << u"The scoring server only supports UTF-8"_s;
    QTest::newRow("another parameter")
        << false << body
        << QByteArrayLiteral("application/json; format=pandas-split; charset=utf-8") << qint64(0)
        << 415 << QString() << u"Unrecognized content type parameters: format."_s;
    QTest::newRow("a trailing semicolon")
        << false << body << QByteArrayLiteral("application/json;") << qint64(0) << 415 << QString()
        << u"Unrecognized content type parameters: ."_s;
}

void TestScoringProtocol::refusals()
{
    QFETCH(bool, table);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(qint64, maxRows);
    QFETCH(int, status);
    QFETCH(QString, errorCode);
    QFETCH(QString, message);

    const auto result =
        parseScoringRequest(body, contentType, table ? tableSpec() : tensorSpec(), maxRows);
    const auto *error = std::get_if<ScoringError>(&result);
    QVERIFY2(error, "the request was accepted");
    QCOMPARE(error->status, status);
    if (errorCode.isEmpty()) {
        QCOMPARE(error->contentType, QByteArrayLiteral("text/plain; charset=utf-8"));
        QCOMPARE(QString::fromUtf8(error->body), message);
        return;
    }
    QCOMPARE(error->contentType, QByteArrayLiteral("application/json"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(error->body, &parseError);
    QVERIFY2(document.isObject(), qPrintable(parseError.errorString()));
    QCOMPARE(document.object().keys(), (QStringList{u"error_code"_s, u"message"_s}));
    QCOMPARE(document.object().value(u"error_code"_s).toString(), errorCode);
    QCOMPARE(document.object().value(u"message"_s).toString(), message);
}

void TestScoringProtocol::predictionsForTensorModels()
{
    ScoringBatch request;
    request.rows = 2;
    request.layout = PredictionsLayout::Columns;
    request.format = RequestFormat::DataframeSplit; // the layout decides, not the format
    QCOMPARE(predictionsJson(request, u"logits"_s, 3, {1, 2, 3, 4, 5, 6.5f}),
             QByteArray(R"({"predictions": {"logits": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]}})"));
    QCOMPARE(predictionsJson(request, u"predictions"_s, 1, {0.25f, -3}),
             QByteArray(R"({"predictions": {"predictions": [[0.25], [-3.0]]}})"));
}

void TestScoringProtocol::predictionsForTableModels()
{
    ScoringBatch request;
    request.rows = 2;
    request.layout = PredictionsLayout::Records;
    QCOMPARE(predictionsJson(request, u"predictions"_s, 1, {1.5f, -2}),
             QByteArray(R"({"predictions": [{"predictions": 1.5}, {"predictions": -2.0}]})"));
    QCOMPARE(predictionsJson(request, u"logits"_s, 2, {1, 2, 3, 4}),
             QByteArray(R"({"predictions": [{"logits": [1.0, 2.0]}, {"logits": [3.0, 4.0]}]})"));
}

// The expected texts are Python's: json.dumps(float(numpy.float32(x))).
void TestScoringProtocol::predictionsSpellFloatsAsPython()
{
    ScoringBatch request;
    request.rows = 1;
    const std::vector<float> outputs{0.1f,
                                     1e-5f,
                                     100000.0f,
                                     1e16f,
                                     -0.0f,
                                     123456789.0f,
                                     1e-4f,
                                     0.001f,
                                     std::numeric_limits<float>::max(),
                                     1e-45f,
                                     7e15f,
                                     9e16f,
                                     1234.5678f,
                                     std::numeric_limits<float>::quiet_NaN(),
                                     -std::numeric_limits<float>::infinity()};
    const QByteArray expected =
        "{\"predictions\": {\"logits\": [[0.10000000149011612, 9.999999747378752e-06, 100000.0, "
        "1.0000000272564224e+16, -0.0, 123456792.0, 9.999999747378752e-05, "
        "0.0010000000474974513, 3.4028234663852886e+38, 1.401298464324817e-45, "
        "6999999976046592.0, 9.000000030559437e+16, 1234.5677490234375, NaN, -Infinity]]}}";
    QCOMPARE(predictionsJson(request, u"logits"_s, qint64(outputs.size()), outputs), expected);
}

void TestScoringProtocol::predictionsWithExtraKeys()
{
    ScoringBatch request;
    request.rows = 1;
    const QJsonObject extra{{u"model"_s, u"fashion-mnist"_s},
                            {u"version"_s, 3},
                            {u"predictions"_s, u"ignored"_s},
                            {u"classes"_s, QJsonArray{u"T-shirt/top"_s, u"Trouser"_s}}};
    // Raw strings stay out of QCOMPARE: moc's preprocessor misreads them in macro arguments.
    const QByteArray expected =
        R"({"predictions": {"logits": [[1.0, 2.0]]}, "classes": ["T-shirt/top", "Trouser"], )"
        R"("model": "fashion-mnist", "version": 3})";
    QCOMPARE(predictionsJson(request, u"logits"_s, 2, {1, 2}, extra), expected);
}

void TestScoringProtocol::errorBody()
{
    // json.dumps escapes as Python does: quotes, backslashes, control characters, non-ASCII.
    const QByteArray expected =
        R"({"error_code": "BAD_REQUEST", "message": "a \"b\" \\ c\n\u00e9 \ud83d\ude00 \u0001"})";
    QCOMPARE(errorJson(u"BAD_REQUEST"_s, u"a \"b\" \\ c\n\u00e9 \U0001F600 \u0001"_s), expected);
}

QTEST_GUILESS_MAIN(TestScoringProtocol)
#include "tst_scoringprotocol.moc"
