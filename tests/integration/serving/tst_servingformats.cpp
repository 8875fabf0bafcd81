// What the scoring server takes and how it refuses, over HTTP against registered versions of real
// models served by a ServingService that follows their Production stage:
// - every request format (dataframe_split, dataframe_records, instances, inputs, CSV) gives the
//   outputs ml::Model::predict gives on the same inputs, for an image CNN (real Fashion-MNIST
//   test images, a tensor input) and a tabular MLP (a table with a categorical column through
//   its fitted preprocessing), and every answer names the version that gave it;
// - bad requests get a 4xx with a message (400 with MLflow's error JSON, 415 for the content
//   type, 413 for a body over the limit) and the server goes on answering good ones;
// - while the followed stage has no version, /ping and /health answer 404 and /invocations 503;
//   once a version is promoted, 200.

#include "servingfixture.h"

#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include <QTcpSocket>
#include <QTest>

using namespace millrace;
using namespace servingtest;
using namespace testsupport;
using namespace Qt::StringLiterals;

namespace {

const QString kImageModel = u"fashion"_s;
const QString kTableModel = u"table"_s;
const QString kUnpromotedModel = u"unpromoted"_s;
constexpr std::size_t kImageCount = 5;
constexpr qint64 kMaxBodyBytes = 64 * 1024;
constexpr qint64 kMaxRows = 8;
const QByteArray kJson = "application/json";

// A JSON list of the given items.
QByteArray jsonList(const QList<QByteArray> &items)
{
    return '[' + items.join(',') + ']';
}

// The images at `indices` as JSON samples, nested as 28 x 28 or flat.
QList<QByteArray> imageItems(const ml::Dataset &images, const std::vector<std::size_t> &indices,
                             bool nested, const QByteArray &before = {},
                             const QByteArray &after = {})
{
    QList<QByteArray> items;
    for (std::size_t index : indices)
        items.append(before + imageJson(images, index, nested) + after);
    return items;
}

// "p0,p1,...,p783": a column per pixel.
QList<QByteArray> pixelColumns(std::size_t count)
{
    QList<QByteArray> columns;
    for (std::size_t i = 0; i < count; ++i)
        columns.append("p" + QByteArray::number(qulonglong(i)));
    return columns;
}

// A QStringBuilder expression made a QByteArray, as QTest's data rows need.
QByteArray bytes(const QByteArray &text)
{
    return text;
}

// A sample of `count` zeros, flat.
QByteArray zeros(qsizetype count)
{
    QList<QByteArray> values(count, "0");
    return jsonList(values);
}

} // namespace

class TestServingFormats : public QObject
{
    Q_OBJECT

    ServingWorkspace m_workspace;
    ml::Dataset m_images;
    std::optional<ml::Model> m_imageModel;
    std::optional<ml::TabularPreprocessor> m_preprocessing;
    std::optional<ml::Model> m_tableModel;
    qint64 m_imageVersion = 0;
    qint64 m_tableVersion = 0;
    std::unique_ptr<RunningService> m_imageService;
    std::unique_ptr<RunningService> m_tableService;

    // Starts a service following `model`'s Production stage with the test's limits.
    std::unique_ptr<RunningService> serve(const QString &model)
    {
        serving::ServingConfig config = followProduction(model);
        config.server.maxBodyBytes = kMaxBodyBytes;
        config.server.maxRows = kMaxRows;
        auto service = std::make_unique<RunningService>(m_workspace.registry(),
                                                        m_workspace.architectures(), config);
        service->start();
        return service;
    }

    // Why a good request on `connection` does not get the right answer: two images for the
    // image model, all scoring rows for the tabular one, checked against core/ml. Empty when it
    // does.
    QString goodRequestFails(HttpConnection &connection, bool table)
    {
        const HttpReply reply =
            table ? connection.post("/invocations", tabularScoringCsv(), "text/csv")
                  : connection.post(
                      "/invocations",
                      R"({"inputs": )" + jsonList(imageItems(m_images, {3, 1}, true)) + '}', kJson);
        if (reply.status != 200)
            return u"a good request got %1 %2: %3"_s.arg(reply.status)
                .arg(reply.error, QString::fromUtf8(reply.body.left(300)));
        if (table)
            return answerDifference(reply, m_tableVersion, kTableModel, expectedTable(), 3);
        return answerDifference(reply, m_imageVersion, kImageModel, expectedImages({3, 1}), 10);
    }

    // core/ml's outputs for the rows of tabularScoringCsv(), through the fitted preprocessing.
    std::vector<float> expectedTable() const
    {
        auto encoded = encodeRows(*m_preprocessing, tabularScoringCsv());
        if (!encoded)
            return {};
        auto outputs = m_tableModel->predict(*encoded);
        return outputs ? *outputs : std::vector<float>();
    }

    // core/ml's outputs for the images at `indices`.
    std::vector<float> expectedImages(const std::vector<std::size_t> &indices) const
    {
        auto outputs = m_imageModel->predict(pick(m_images, indices));
        return outputs ? *outputs : std::vector<float>();
    }

    // Why `reply` is not version `version` of `model` answering `expected`; empty when it is.
    static QString answerDifference(const HttpReply &reply, qint64 version, const QString &model,
                                    const std::vector<float> &expected, std::size_t width)
    {
        if (reply.header("X-Millrace-Model-Version") != QByteArray::number(version))
            return u"X-Millrace-Model-Version is '%1', expected %2"_s.arg(
                QString::fromUtf8(reply.header("X-Millrace-Model-Version")),
                QString::number(version));
        if (!reply.header("Content-Type").startsWith("application/json"))
            return u"Content-Type is '%1'"_s.arg(QString::fromUtf8(reply.header("Content-Type")));
        const QJsonObject json = QJsonDocument::fromJson(reply.body).object();
        if (json.value(u"model_version"_s).toString() != QString::number(version))
            return u"model_version is '%1', expected '%2'"_s.arg(
                json.value(u"model_version"_s).toVariant().toString(), QString::number(version));
        if (json.value(u"model"_s).toString() != model)
            return u"model is '%1', expected '%2'"_s.arg(json.value(u"model"_s).toString(), model);
        QString why;
        const auto rows = outputRows(reply.body, u"logits"_s, &why);
        if (!why.isEmpty())
            return why;
        return outputDifference(rows, expected, width);
    }

private Q_SLOTS:
    void initTestCase();
    void imageFormats_data();
    void imageFormats();
    void tableFormats_data();
    void tableFormats();
    void badRequests_data();
    void badRequests();
    void nothingInServiceUntilPromoted();
    void clientsThatGiveUpDoNotHurtOthers();
    void cleanupTestCase();
};

void TestServingFormats::initTestCase()
{
    VERIFY_OK(m_workspace.open());
    auto images = fashionImages(kImageCount);
    QVERIFY2(images, images.errorMessage().c_str());
    m_images = std::move(*images);
    QCOMPARE(m_images.size(), kImageCount);

    auto imageModel = m_workspace.createModel("image-cnn", ml::ModelSignature::of(m_images), 7);
    VERIFY_OK(imageModel);
    m_imageModel = std::move(*imageModel);
    auto imageVersion = m_workspace.registerVersion(kImageModel, *m_imageModel);
    VERIFY_OK(imageVersion);
    m_imageVersion = *imageVersion;
    VERIFY_OK(m_workspace.promote(kImageModel, m_imageVersion));

    // The tabular model's preprocessing is fitted as a training job fits it, and saved with it.
    auto preprocessing = fitTabularPreprocessing();
    QVERIFY2(preprocessing, preprocessing.errorMessage().c_str());
    m_preprocessing = std::move(*preprocessing);
    auto table = ml::parseCsv(tabularCsv().toStdString(), "tabular.csv");
    QVERIFY(table);
    auto encoded = m_preprocessing->transform(*table);
    QVERIFY2(encoded, encoded.errorMessage().c_str());
    QCOMPARE(encoded->dataset.classCount, 3);
    auto tableModel =
        m_workspace.createModel("tabular-mlp", ml::ModelSignature::of(encoded->dataset), 3);
    VERIFY_OK(tableModel);
    tableModel->setPreprocessing(m_preprocessing->toJson());
    m_tableModel = std::move(*tableModel);
    auto tableVersion = m_workspace.registerVersion(kTableModel, *m_tableModel);
    VERIFY_OK(tableVersion);
    m_tableVersion = *tableVersion;
    VERIFY_OK(m_workspace.promote(kTableModel, m_tableVersion));

    m_imageService = serve(kImageModel);
    m_tableService = serve(kTableModel);
    QTRY_COMPARE_WITH_TIMEOUT(m_imageService->primary(), m_imageVersion, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(m_tableService->primary(), m_tableVersion, 30000);
    QVERIFY(m_imageService->port() > 0);
    QVERIFY(m_tableService->port() > 0);
}

void TestServingFormats::imageFormats_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<std::vector<std::size_t>>("indices");

    const std::vector<std::size_t> all{0, 1, 2, 3, 4};
    const std::vector<std::size_t> some{4, 0, 2};
    QTest::newRow("dataframe_split, an input column (MLflow's way)")
        << bytes(R"({"dataframe_split": {"columns": ["input"], "data": )"
                 + jsonList(imageItems(m_images, all, true, "[", "]")) + "}}")
        << kJson << all;
    QTest::newRow("dataframe_split, a column per pixel, with an index")
        << bytes(R"({"dataframe_split": {"columns": [")" + pixelColumns(784).join(R"(", ")")
                 + R"("], "index": [7, 8, 9], "data": )"
                 + jsonList(imageItems(m_images, some, false)) + "}}")
        << kJson << some;
    QTest::newRow("dataframe_records")
        << bytes(R"({"dataframe_records": )"
                 + jsonList(imageItems(m_images, all, true, R"({"input": )", "}")) + '}')
        << kJson << all;
    QTest::newRow("instances") << bytes(R"({"instances": )"
                                        + jsonList(imageItems(m_images, all, true)) + '}')
                               << kJson << all;
    QTest::newRow("instances, records, flat") << bytes(
        R"({"instances": )"
        + jsonList(imageItems(m_images, some, false, R"({"input": )", R"(, "id": 1})")) + '}')
                                              << kJson << some;
    QTest::newRow("inputs") << bytes(R"({"inputs": )" + jsonList(imageItems(m_images, all, true))
                                     + '}')
                            << kJson << all;
    QTest::newRow("inputs, by input name, with params")
        << bytes(R"({"inputs": {"input": )" + jsonList(imageItems(m_images, some, false))
                 + R"(}, "params": {"note": "x"}})")
        << kJson << some;
    QByteArray csv = pixelColumns(784).join(',') + '\n';
    for (std::size_t index : all)
        csv += imageCsvLine(m_images, index);
    QTest::newRow("csv") << csv << QByteArray("text/csv") << all;
    QTest::newRow("csv, utf-8, one image")
        << bytes(pixelColumns(784).join(',') + '\n' + imageCsvLine(m_images, 2))
        << QByteArray("text/csv; charset=UTF-8") << std::vector<std::size_t>{2};
}

void TestServingFormats::imageFormats()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(std::vector<std::size_t>, indices);
    QVERIFY2(body.size() < kMaxBodyBytes, "the request would exceed the test's body limit");
    HttpConnection connection(u"127.0.0.1"_s, m_imageService->port());
    const HttpReply reply = connection.post("/invocations", body, contentType);
    QVERIFY2(reply.status == 200,
             qPrintable(u"%1 %2: %3"_s.arg(reply.status)
                            .arg(reply.error, QString::fromUtf8(reply.body.left(400)))));
    const QString difference =
        answerDifference(reply, m_imageVersion, kImageModel, expectedImages(indices), 10);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestServingFormats::tableFormats_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");

    // The rows of tabularScoringCsv(), in each format.
    QTest::newRow("dataframe_split, columns in another order, one extra")
        << QByteArray(R"({"dataframe_split": {"columns": ["weight", "id", "colour", "size"],
              "data": [[12.5, "a", "red", 0.75], [20, "b", "blue", 2.5],
                       [11, "c", "green", 3.25], [17.75, "d", "purple", 1.125]]}})")
        << kJson;
    QTest::newRow("dataframe_records") << QByteArray(R"({"dataframe_records": [
              {"size": 0.75, "colour": "red", "weight": 12.5},
              {"colour": "blue", "weight": 20, "size": 2.5},
              {"size": 3.25, "colour": "green", "weight": 11, "extra": true},
              {"size": 1.125, "colour": "purple", "weight": 17.75}]})")
                                       << kJson;
    QTest::newRow("instances") << QByteArray(R"({"instances": [
              {"size": 0.75, "colour": "red", "weight": 12.5},
              {"size": 2.5, "colour": "blue", "weight": 20},
              {"size": 3.25, "colour": "green", "weight": 11},
              {"size": 1.125, "colour": "purple", "weight": 17.75}]})")
                               << kJson;
    QTest::newRow("inputs, columns") << QByteArray(R"({"inputs": {"size": [0.75, 2.5, 3.25, 1.125],
              "colour": ["red", "blue", "green", "purple"], "weight": [12.5, 20, 11, 17.75]}})")
                                     << kJson;
    QTest::newRow("inputs, records") << QByteArray(R"({"inputs": [
              {"size": 0.75, "colour": "red", "weight": 12.5},
              {"size": 2.5, "colour": "blue", "weight": 20},
              {"size": 3.25, "colour": "green", "weight": 11},
              {"size": 1.125, "colour": "purple", "weight": 17.75}]})")
                                     << kJson;
    QTest::newRow("csv") << tabularScoringCsv() << QByteArray("text/csv");
    QTest::newRow("csv, columns in another order, quoted")
        << QByteArray("\"colour\",weight,size\r\nred,12.5,0.75\r\n\"blue\",20,2.5\r\n"
                      "green,11,3.25\r\npurple,17.75,1.125\r\n")
        << QByteArray("text/csv; charset=utf-8");
}

void TestServingFormats::tableFormats()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    auto encoded = encodeRows(*m_preprocessing, tabularScoringCsv());
    QVERIFY2(encoded, encoded.errorMessage().c_str());
    auto expected = m_tableModel->predict(*encoded);
    QVERIFY2(expected, expected.errorMessage().c_str());

    HttpConnection connection(u"127.0.0.1"_s, m_tableService->port());
    const HttpReply reply = connection.post("/invocations", body, contentType);
    QVERIFY2(reply.status == 200,
             qPrintable(u"%1 %2: %3"_s.arg(reply.status)
                            .arg(reply.error, QString::fromUtf8(reply.body.left(400)))));
    // A column-based model answers with one record per row, as MLflow's onnx flavor does.
    QVERIFY2(QJsonDocument::fromJson(reply.body).object().value(u"predictions"_s).isArray(),
             reply.body.left(300).constData());
    const QString difference = answerDifference(reply, m_tableVersion, kTableModel, *expected, 3);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestServingFormats::badRequests_data()
{
    QTest::addColumn<bool>("table");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    // What the message must mention (the place or the rule), case-insensitive.
    QTest::addColumn<QString>("mentions");

    const QByteArray image = imageJson(m_images, 0, true);
    QTest::newRow("malformed JSON")
        << false << QByteArray(R"({"inputs": [[0, 1,)") << kJson << 400 << u"json"_s;
    QTest::newRow("a JSON list") << false << jsonList({image}) << kJson << 400
                                 << u"Received a list"_s;
    QTest::newRow("no format field")
        << false << QByteArray(R"({"data": [[1, 2]]})") << kJson << 400 << u"inputs"_s;
    QTest::newRow("wrong shape: 27 rows of 28")
        << false << bytes(R"({"inputs": [)" + jsonList(QList<QByteArray>(27, zeros(28))) + "]}")
        << kJson << 400 << u"inputs[0]: expected a list of 28"_s;
    QTest::newRow("wrong width: 783 values")
        << false << bytes(R"({"inputs": [)" + zeros(783) + "]}") << kJson << 400
        << u"784 numbers, got 783"_s;
    QTest::newRow("ragged rows") << false
                                 << bytes(R"({"inputs": [)" + zeros(784) + ',' + zeros(780) + "]}")
                                 << kJson << 400 << u"inputs[1]"_s;
    QByteArray word = zeros(784);
    word.replace(1, 1, "\"a\"");
    QTest::newRow("a string among the pixels")
        << false << bytes(R"({"inputs": [)" + word + "]}") << kJson << 400
        << u"inputs[0][0]: \"a\" is not a number"_s;
    QByteArray notFinite = zeros(784);
    notFinite.replace(1, 1, "NaN");
    QTest::newRow("NaN among the pixels") << false << bytes(R"({"inputs": [)" + notFinite + "]}")
                                          << kJson << 400 << u"inputs[0][0]: NaN is not a finite"_s;
    QTest::newRow("no rows") << false << QByteArray(R"({"inputs": []})") << kJson << 400
                             << u"row"_s;
    QTest::newRow("too many rows")
        << false
        << bytes(R"({"inputs": )" + jsonList(QList<QByteArray>(kMaxRows + 1, zeros(784))) + '}')
        << kJson << 400 << QString::number(kMaxRows);
    QTest::newRow("text/plain") << false << bytes(R"({"inputs": [)" + image + "]}")
                                << QByteArray("text/plain") << 415 << u"content type"_s;
    QTest::newRow("no content type") << false << bytes(R"({"inputs": [)" + image + "]}")
                                     << QByteArray() << 415 << u"content type"_s;
    QTest::newRow("parquet") << false << QByteArray("PAR1") << QByteArray("application/x-parquet")
                             << 415 << u"content type"_s;
    QTest::newRow("latin-1") << false << bytes(R"({"inputs": [)" + image + "]}")
                             << QByteArray("application/json; charset=latin-1") << 415
                             << u"UTF-8"_s;
    // Valid JSON past the limit: the size alone refuses it.
    QTest::newRow("a body over maxBodyBytes")
        << false << bytes(R"({"inputs": [)" + image + "]" + QByteArray(kMaxBodyBytes, ' ') + '}')
        << kJson << 413 << QString::number(kMaxBodyBytes);
    QTest::newRow("csv with a ragged row")
        << false << bytes(pixelColumns(784).join(',') + "\n1,2,3\n") << QByteArray("text/csv")
        << 400 << u"line 2"_s;
    QTest::newRow("table: a missing column")
        << true << QByteArray(R"({"dataframe_records": [{"size": 1, "weight": 2}]})") << kJson
        << 400 << u"missing inputs ['colour']"_s;
    QTest::newRow("table: a word in a numeric column")
        << true << QByteArray("size,colour,weight\nbig,red,12\n") << QByteArray("text/csv") << 400
        << u"column 'size': 'big' is not a number"_s;
}

void TestServingFormats::badRequests()
{
    QFETCH(bool, table);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, mentions);
    HttpConnection connection(u"127.0.0.1"_s, (table ? m_tableService : m_imageService)->port());
    const HttpReply reply = connection.post("/invocations", body, contentType);
    QVERIFY2(reply.status == status,
             qPrintable(u"%1 %2: %3"_s.arg(reply.status)
                            .arg(reply.error, QString::fromUtf8(reply.body.left(400)))));
    // MLflow answers 415 in plain text, everything else with its error JSON.
    QString message = QString::fromUtf8(reply.body);
    if (status != 415) {
        const QJsonObject error = QJsonDocument::fromJson(reply.body).object();
        QVERIFY2(!error.value(u"error_code"_s).toString().isEmpty(), reply.body.constData());
        message = error.value(u"message"_s).toString();
    }
    QVERIFY2(message.contains(mentions, Qt::CaseInsensitive),
             qPrintable(u"'%1' does not mention '%2'"_s.arg(message, mentions)));
    qInfo().noquote() << status << message.left(200);

    // The server goes on: a good request answers, on this connection and on a new one.
    QString failure = goodRequestFails(connection, table);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    HttpConnection fresh(u"127.0.0.1"_s, (table ? m_tableService : m_imageService)->port());
    failure = goodRequestFails(fresh, table);
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
}

void TestServingFormats::nothingInServiceUntilPromoted()
{
    // A version registered but not promoted: the followed stage has none.
    auto model = m_workspace.createModel("image-cnn", ml::ModelSignature::of(m_images), 8);
    VERIFY_OK(model);
    auto version = m_workspace.registerVersion(kUnpromotedModel, *model);
    VERIFY_OK(version);
    std::unique_ptr<RunningService> service = serve(kUnpromotedModel);
    QTRY_VERIFY_WITH_TIMEOUT(!service->deploymentProblems().isEmpty(), 30000);
    QVERIFY2(service->deploymentProblems().first().contains(u"no version in Production"_s),
             qPrintable(service->deploymentProblems().first()));
    QVERIFY(service->port() > 0);

    HttpConnection connection(u"127.0.0.1"_s, service->port());
    QCOMPARE(connection.get("/ping").status, 404);
    QCOMPARE(connection.get("/health").status, 404);
    const QByteArray body = R"({"inputs": )" + jsonList(imageItems(m_images, {0}, true)) + '}';
    HttpReply reply = connection.post("/invocations", body, kJson);
    QCOMPARE(reply.status, 503);
    QVERIFY2(QJsonDocument::fromJson(reply.body)
                 .object()
                 .value(u"message"_s)
                 .toString()
                 .contains(u"in service"_s),
             reply.body.constData());
    QVERIFY(reply.header("X-Millrace-Model-Version").isEmpty());

    VERIFY_OK(m_workspace.promote(kUnpromotedModel, *version));
    QTRY_COMPARE_WITH_TIMEOUT(connection.get("/ping").status, 200, 30000);
    QCOMPARE(connection.get("/health").status, 200);
    reply = connection.post("/invocations", body, kJson);
    QCOMPARE(reply.status, 200);
    auto expected = model->predict(pick(m_images, {0}));
    QVERIFY(expected);
    const QString difference = answerDifference(reply, *version, kUnpromotedModel, *expected, 10);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

// A client that sends a request and closes its connection before the answer (wrk does it at the
// end of every run): the answer has nowhere to go and is dropped, and the server goes on. Qt
// 6.4's QFuture routes wrote it to the deleted socket and crashed within a few such clients.
void TestServingFormats::clientsThatGiveUpDoNotHurtOthers()
{
    const QByteArray body = R"({"inputs": )" + jsonList(imageItems(m_images, {0}, true)) + '}';
    const QByteArray request = "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nContent-Length: "
                               + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    for (int i = 0; i < 40; ++i) {
        QTcpSocket quitter;
        quitter.connectToHost(u"127.0.0.1"_s, m_imageService->port());
        QVERIFY(quitter.waitForConnected(5000));
        quitter.write(request);
        QVERIFY(quitter.waitForBytesWritten(5000));
        quitter.abort();
        // Someone who waits for the answer gets it.
        HttpConnection patient(u"127.0.0.1"_s, m_imageService->port());
        const QString failure = goodRequestFails(patient, false);
        QVERIFY2(failure.isEmpty(),
                 qPrintable(u"after %1 clients gave up: %2"_s.arg(i + 1).arg(failure)));
    }
}

void TestServingFormats::cleanupTestCase()
{
    m_imageService.reset();
    m_tableService.reset();
}

QTEST_GUILESS_MAIN(TestServingFormats)
#include "tst_servingformats.moc"
