// The model registry's REST API over HTTP, served by the tracking server as Session serves it:
// bad input gets MLflow's error code and status and changes nothing; answers have MLflow's JSON
// shapes; changes made through the API are in the registry's history under the REST actor.

#include "core/base/servicethread.h"
#include "core/registry/registryrestapi.h"
#include "core/registry/registrystore.h"
#include "core/store/store.h"
#include "core/tracking/trackingserver.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/httpcall.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::registry;

class TestRegistryApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void badRequestsGetMlflowErrorsAndChangeNothing_data();
    void badRequestsGetMlflowErrorsAndChangeNothing();
    void answersHaveMlflowShapes();
    void restChangesAreInTheHistory();
    void tagsOfMlflowSemantics();
    void versionNumbersAreNeverReused();
    void versionFromTheRunsArtifactUri();

private:
    using Answer = testsupport::HttpAnswer;
    Answer call(const QByteArray &method, const QString &endpoint, const QByteArray &body = {});
    QJsonObject call200(const QByteArray &method, const QString &endpoint,
                        const QByteArray &body = {});
    // Everything a bad request could change: models, versions, timestamps, tags, aliases,
    // history, files.
    QByteArray snapshot();

    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<tracking::TrackingStore> m_tracking;
    std::unique_ptr<RegistryStore> m_registry;
    std::unique_ptr<ServiceThread> m_server;
    QNetworkAccessManager m_network;
    QString m_base;
    QString m_runId;
};

void TestRegistryApi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    auto store = Store::openMillrace(m_dir.filePath(QStringLiteral("millrace.db")));
    QVERIFY2(store, qPrintable(store.errorMessage()));
    m_store = std::move(store).value();
    m_tracking = std::make_unique<tracking::TrackingStore>(
        *m_store, m_dir.filePath(QStringLiteral("artifacts")));
    m_registry = std::make_unique<RegistryStore>(*m_store, *m_tracking,
                                                 m_dir.filePath(QStringLiteral("models")));
    auto *server = new tracking::TrackingServer(*m_tracking, QHostAddress::LocalHost, 0,
                                                registryEndpoints(*m_registry, *m_tracking));
    QSignalSpy listening(server, &tracking::TrackingServer::listening);
    m_server = std::make_unique<ServiceThread>(server, QStringLiteral("tracking-server"));
    m_server->start();
    QVERIFY(listening.wait(10000));
    m_base = QStringLiteral("http://127.0.0.1:%1").arg(server->port());

    // A run with a model folder, uploaded through the artifact proxy as the mlflow client does.
    call200("POST", QStringLiteral("experiments/create"), R"({"name": "registry-api"})");
    m_runId = call200("POST", QStringLiteral("runs/create"),
                      R"({"experiment_id": "1", "run_name": "train"})")
                  .value(QStringLiteral("run"))
                  .toObject()
                  .value(QStringLiteral("info"))
                  .toObject()
                  .value(QStringLiteral("run_id"))
                  .toString();
    QVERIFY(!m_runId.isEmpty());
    for (const auto &[file, content] : {std::pair{"MLmodel", QByteArray("flavors: {}\n")},
                                        std::pair{"weights.bin", QByteArray(64, '\x7f')}}) {
        QNetworkRequest request(
            QUrl(m_base
                 + QStringLiteral("/api/2.0/mlflow-artifacts/artifacts/1/%1/artifacts/"
                                  "model/%2")
                       .arg(m_runId, QLatin1String(file))));
        QNetworkReply *reply = m_network.put(request, content);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(20000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        reply->deleteLater();
    }

    call200("POST", QStringLiteral("registered-models/create"),
            R"({"name": "fraud", "description": "flags fraud",
                "tags": [{"key": "team", "value": "risk"}]})");
    call200("POST", QStringLiteral("registered-models/create"), R"({"name": "other"})");
    const QByteArray version =
        QStringLiteral(R"({"name": "fraud", "source": "runs:/%1/model", "run_id": "%1"})")
            .arg(m_runId)
            .toUtf8();
    call200("POST", QStringLiteral("model-versions/create"), version);
    call200("POST", QStringLiteral("model-versions/create"), version);
    call200("POST", QStringLiteral("model-versions/transition-stage"),
            R"({"name": "fraud", "version": "1", "stage": "Production"})");
    call200("POST", QStringLiteral("registered-models/alias"),
            R"({"name": "fraud", "alias": "champion", "version": "1"})");
    call200("POST", QStringLiteral("model-versions/set-tag"),
            R"({"name": "fraud", "version": "2", "key": "candidate", "value": "yes"})");

    // A version whose files could not be copied (a file stands where its folder would go):
    // FAILED_REGISTRATION, so it may not change stage.
    call200("POST", QStringLiteral("registered-models/create"), R"({"name": "broken"})");
    QDir().mkpath(m_registry->modelsRoot());
    QFile blocker(QDir(m_registry->modelsRoot()).filePath(QStringLiteral("broken")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const QJsonObject failed =
        call200("POST", QStringLiteral("model-versions/create"),
                QStringLiteral(R"({"name": "broken", "source": "runs:/%1/model", "run_id": "%1"})")
                    .arg(m_runId)
                    .toUtf8());
    QCOMPARE(failed.value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("FAILED_REGISTRATION"));
}

void TestRegistryApi::cleanupTestCase()
{
    m_server.reset();
    m_registry.reset();
    m_tracking.reset();
    m_store.reset();
}

TestRegistryApi::Answer TestRegistryApi::call(const QByteArray &method, const QString &endpoint,
                                              const QByteArray &body)
{
    return testsupport::httpCall(
        m_network, method, QUrl(m_base + QStringLiteral("/api/2.0/mlflow/") + endpoint), body);
}

QJsonObject TestRegistryApi::call200(const QByteArray &method, const QString &endpoint,
                                     const QByteArray &body)
{
    const Answer answer = call(method, endpoint, body);
    if (answer.status != 200)
        qWarning().noquote() << method << endpoint << "->" << answer.status << answer.raw;
    [&] { QCOMPARE(answer.status, 200); }();
    return answer.json;
}

QByteArray TestRegistryApi::snapshot()
{
    QJsonObject state{
        {QStringLiteral("models"), call200("GET", QStringLiteral("registered-models/search"))},
        {QStringLiteral("versions"), call200("GET", QStringLiteral("model-versions/search"))}};
    QJsonObject history;
    for (const QString &name : {QStringLiteral("fraud"), QStringLiteral("other")})
        history.insert(name, qsizetype(m_registry->history(name).value().size()));
    state.insert(QStringLiteral("history"), history);
    QStringList files;
    QDirIterator it(m_registry->modelsRoot(),
                    QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(QDir(m_registry->modelsRoot()).relativeFilePath(it.next()));
    files.sort();
    state.insert(QStringLiteral("files"), QJsonArray::fromStringList(files));
    return QJsonDocument(state).toJson();
}

void TestRegistryApi::badRequestsGetMlflowErrorsAndChangeNothing_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("messagePart");

    const auto row = [](const char *name, const char *method, const char *endpoint,
                        const char *body, int status, const char *code, const char *message) {
        QTest::newRow(name) << QByteArray(method) << QString::fromLatin1(endpoint)
                            << QByteArray(body) << status << QString::fromLatin1(code)
                            << QString::fromLatin1(message);
    };
    const char *invalid = "INVALID_PARAMETER_VALUE";
    const char *notFound = "RESOURCE_DOES_NOT_EXIST";

    // Bodies and types
    row("malformed JSON", "POST", "registered-models/create", R"({"name": )", 400, "BAD_REQUEST",
        "Malformed JSON");
    row("body not an object", "POST", "registered-models/create", "[1]", 400, "BAD_REQUEST",
        "JSON object");
    row("missing name", "POST", "registered-models/create", "{}", 400, invalid, "'name'");
    row("name a number", "POST", "registered-models/create", R"({"name": 5})", 400, invalid,
        "'name'");
    row("tags not a list", "POST", "registered-models/create", R"({"name": "n2", "tags": "x"})",
        400, invalid, "'tags'");
    row("description a list", "PATCH", "registered-models/update",
        R"({"name": "fraud", "description": ["x"]})", 400, invalid, "'description'");
    row("version a number", "POST", "model-versions/set-tag",
        R"({"name": "fraud", "version": 1, "key": "k", "value": "v"})", 400, invalid, "'version'");
    row("version not an integer", "GET", "model-versions/get?name=fraud&version=abc", "", 400,
        invalid, "Parameter 'version' must be an integer, got 'abc'.");
    row("version 1.5", "DELETE", "model-versions/delete", R"({"name": "fraud", "version": "1.5"})",
        400, invalid, "got '1.5'");
    row("archive flag a word", "POST", "model-versions/transition-stage",
        R"({"name": "fraud", "version": "2", "stage": "Production",
            "archive_existing_versions": "yes"})",
        400, invalid, "'archive_existing_versions'");
    row("max_results too large", "GET", "registered-models/search?max_results=5000", "", 400,
        invalid, "max_results");
    row("bad version filter", "GET", "model-versions/search?filter=bogus%3D%27x%27", "", 400,
        invalid, "bogus");
    row("bad order_by", "GET", "registered-models/search?order_by=bogus", "", 400, invalid,
        "bogus");
    row("bad page token", "GET", "model-versions/search?page_token=%21%21", "", 400, invalid,
        "page token");

    // Routes and methods
    row("unknown endpoint", "POST", "registered-models/frobnicate", "{}", 404, "ENDPOINT_NOT_FOUND",
        "registered-models/frobnicate");
    row("get by POST", "POST", "registered-models/get", R"({"name": "fraud"})", 405,
        "ENDPOINT_NOT_FOUND", "POST");
    row("delete by GET", "GET", "registered-models/delete?name=fraud", "", 405,
        "ENDPOINT_NOT_FOUND", "GET");
    row("alias by PATCH", "PATCH", "registered-models/alias",
        R"({"name": "fraud", "alias": "x", "version": "2"})", 405, "ENDPOINT_NOT_FOUND", "PATCH");

    // Things that are not there
    row("unknown model", "GET", "registered-models/get?name=nope", "", 404, notFound,
        "Registered Model with name=nope not found");
    row("unknown model with a plus", "GET", "registered-models/get?name=a%2Bb+c", "", 404, notFound,
        "Registered Model with name=a+b c not found");
    row("unknown version", "GET", "model-versions/get?name=fraud&version=9", "", 404, notFound,
        "Model Version (name=fraud, version=9) not found");
    row("download uri of unknown version", "GET",
        "model-versions/get-download-uri?name=fraud&version=9", "", 404, notFound, "version=9");
    row("delete unknown version", "DELETE", "model-versions/delete",
        R"({"name": "fraud", "version": "7"})", 404, notFound, "version=7");
    row("delete unknown model", "DELETE", "registered-models/delete", R"({"name": "nope"})", 404,
        notFound, "nope");
    row("rename unknown model", "POST", "registered-models/rename",
        R"({"name": "nope", "new_name": "still-nope"})", 404, notFound, "nope");
    row("tag on unknown version", "POST", "model-versions/set-tag",
        R"({"name": "fraud", "version": "9", "key": "k", "value": "v"})", 404, notFound,
        "version=9");
    row("untag unknown model", "DELETE", "registered-models/delete-tag",
        R"({"name": "nope", "key": "team"})", 404, notFound, "nope");
    row("alias to unknown version", "POST", "registered-models/alias",
        R"({"name": "fraud", "alias": "x", "version": "77"})", 404, notFound, "version=77");
    row("unknown alias", "GET", "registered-models/alias?name=fraud&alias=nope", "", 400, invalid,
        "Registered model alias nope not found.");
    row("version for unknown model", "POST", "model-versions/create",
        R"({"name": "nope", "source": "runs:/RUN/model", "run_id": "RUN"})", 404, notFound, "nope");

    // Names and aliases
    row("duplicate model", "POST", "registered-models/create", R"({"name": "fraud"})", 400,
        "RESOURCE_ALREADY_EXISTS", "already exists");
    row("rename onto another model", "POST", "registered-models/rename",
        R"({"name": "fraud", "new_name": "other"})", 400, "RESOURCE_ALREADY_EXISTS",
        "already exists");
    row("name with a slash", "POST", "registered-models/create", R"({"name": "a/b"})", 400, invalid,
        "cannot contain");
    row("alias 'latest'", "POST", "registered-models/alias",
        R"({"name": "fraud", "alias": "Latest", "version": "1"})", 400, invalid, "reserved");
    row("alias like a version", "POST", "registered-models/alias",
        R"({"name": "fraud", "alias": "v2", "version": "1"})", 400, invalid, "reserved");
    row("alias with a space", "POST", "registered-models/alias",
        R"({"name": "fraud", "alias": "bad alias", "version": "1"})", 400, invalid,
        "Invalid alias name");

    // Stages
    row("unknown stage", "POST", "model-versions/transition-stage",
        R"({"name": "fraud", "version": "2", "stage": "Shipped"})", 400, invalid,
        "Invalid Model Version stage: Shipped.");
    row("archiving others for None", "POST", "model-versions/transition-stage",
        R"({"name": "fraud", "version": "2", "stage": "None", "archive_existing_versions": true})",
        500, "INTERNAL_ERROR", "is not an Active stage");
    row("stage of a version without files", "POST", "model-versions/transition-stage",
        R"({"name": "broken", "version": "1", "stage": "Staging"})", 500, "INVALID_STATE",
        "only READY versions");
    row("unknown stage in latest versions", "POST", "registered-models/get-latest-versions",
        R"({"name": "fraud", "stages": ["bogus"]})", 400, invalid, "Invalid Model Version stage");

    // Sources
    row("runs source without its run id", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "runs:/RUN/model"})", 400, invalid,
        "The run_id request parameter must identify");
    row("runs source of another run", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "runs:/RUN/model",
            "run_id": "0123456789abcdef0123456789abcdef"})",
        400, invalid, "The run_id request parameter must identify");
    row("artifact source outside the run", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "mlflow-artifacts:/1/0123456789abcdef/artifacts/model",
            "run_id": "RUN"})",
        400, invalid, "The run_id request parameter must identify");
    row("source climbing out", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "mlflow-artifacts:/1/RUN/artifacts/../../../x",
            "run_id": "RUN"})",
        400, invalid, "without relative path references");
    row("local source", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "/etc", "run_id": "RUN"})", 400, invalid, "local path");
    row("source elsewhere", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "s3://bucket/model", "run_id": "RUN"})", 400, invalid,
        "only runs:/ and mlflow-artifacts:/ sources");
    row("source without files", "POST", "model-versions/create",
        R"({"name": "fraud", "source": "runs:/RUN/not-there", "run_id": "RUN"})", 400, invalid,
        "no files");
}

void TestRegistryApi::badRequestsGetMlflowErrorsAndChangeNothing()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, endpoint);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorCode);
    QFETCH(QString, messagePart);

    body.replace("RUN", m_runId.toUtf8());
    const QByteArray before = snapshot();
    const Answer answer = call(method, endpoint, body);
    QVERIFY2(answer.status == status, answer.raw.constData());
    QCOMPARE(answer.json.keys(),
             (QStringList{QStringLiteral("error_code"), QStringLiteral("message")}));
    QCOMPARE(answer.json.value(QStringLiteral("error_code")).toString(), errorCode);
    QVERIFY2(answer.json.value(QStringLiteral("message")).toString().contains(messagePart),
             answer.raw.constData());
    QCOMPARE(snapshot(), before);
}

void TestRegistryApi::answersHaveMlflowShapes()
{
    // One version: its number as a string, MLflow's always-set strings, its aliases.
    const QJsonObject one =
        call200("GET", QStringLiteral("model-versions/get?name=fraud&version=1"))
            .value(QStringLiteral("model_version"))
            .toObject();
    QCOMPARE(one.value(QStringLiteral("version")), QJsonValue(QStringLiteral("1")));
    QCOMPARE(one.value(QStringLiteral("current_stage")).toString(), QStringLiteral("Production"));
    QCOMPARE(one.value(QStringLiteral("status")).toString(), QStringLiteral("READY"));
    QCOMPARE(one.value(QStringLiteral("source")).toString(),
             QStringLiteral("runs:/%1/model").arg(m_runId));
    QCOMPARE(one.value(QStringLiteral("run_id")).toString(), m_runId);
    QCOMPARE(one.value(QStringLiteral("description")), QJsonValue(QString()));
    QCOMPARE(one.value(QStringLiteral("run_link")), QJsonValue(QString()));
    QCOMPARE(one.value(QStringLiteral("aliases")).toArray(),
             QJsonArray{QStringLiteral("champion")});
    QVERIFY(one.value(QStringLiteral("creation_timestamp")).isDouble());
    for (const char *absent : {"tags", "user_id", "status_message"})
        QVERIFY2(!one.contains(QLatin1String(absent)), absent);

    // The model: aliases with string versions, latest versions per stage without aliases.
    const QJsonObject model = call200("GET", QStringLiteral("registered-models/get?name=fraud"))
                                  .value(QStringLiteral("registered_model"))
                                  .toObject();
    QCOMPARE(model.value(QStringLiteral("description")).toString(), QStringLiteral("flags fraud"));
    QCOMPARE(model.value(QStringLiteral("aliases")).toArray(),
             (QJsonArray{QJsonObject{{QStringLiteral("alias"), QStringLiteral("champion")},
                                     {QStringLiteral("version"), QStringLiteral("1")}}}));
    QCOMPARE(model.value(QStringLiteral("tags")).toArray(),
             (QJsonArray{QJsonObject{{QStringLiteral("key"), QStringLiteral("team")},
                                     {QStringLiteral("value"), QStringLiteral("risk")}}}));
    const QJsonArray latest = model.value(QStringLiteral("latest_versions")).toArray();
    QCOMPARE(latest.size(), 2); // 1 in Production, 2 in None
    for (const QJsonValue &version : latest)
        QVERIFY(!version.toObject().contains(QStringLiteral("aliases")));

    // A model with nothing in it: no empty lists, no empty description.
    const QJsonObject bare = call200("GET", QStringLiteral("registered-models/get?name=other"))
                                 .value(QStringLiteral("registered_model"))
                                 .toObject();
    QCOMPARE(bare.keys(),
             (QStringList{QStringLiteral("creation_timestamp"),
                          QStringLiteral("last_updated_timestamp"), QStringLiteral("name")}));

    // Searches page with tokens and leave aliases out, as MLflow's do. The query is encoded
    // as the client's requests library does it ('+' for spaces).
    const QJsonObject page =
        call200("GET", QStringLiteral("model-versions/search?filter=name+%3D+%27fraud%27&"
                                      "max_results=1&order_by=version_number+ASC"));
    QCOMPARE(page.value(QStringLiteral("model_versions")).toArray().size(), 1);
    const QJsonObject first =
        page.value(QStringLiteral("model_versions")).toArray().first().toObject();
    QCOMPARE(first.value(QStringLiteral("version")).toString(), QStringLiteral("1"));
    QVERIFY(!first.contains(QStringLiteral("aliases")));
    const QString token = page.value(QStringLiteral("next_page_token")).toString();
    QVERIFY(!token.isEmpty());
    const QJsonObject next = call200(
        "GET", QStringLiteral("model-versions/search?filter=name%3D%27fraud%27&max_results=1&"
                              "order_by=version_number%20ASC&page_token=%1")
                   .arg(QString::fromLatin1(QUrl::toPercentEncoding(token))));
    QCOMPARE(next.value(QStringLiteral("model_versions"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("version"))
                 .toString(),
             QStringLiteral("2"));
    QVERIFY(!next.contains(QStringLiteral("next_page_token")));

    // The client adds "tag.`mlflow.prompt.is_prompt` != 'true'" to every model search (to
    // leave prompts out): models without that tag match it.
    const QJsonArray models =
        call200("GET", QStringLiteral("registered-models/search?filter=tag.%60mlflow.prompt.is_"
                                      "prompt%60+%21%3D+%27true%27&max_results=100"))
            .value(QStringLiteral("registered_models"))
            .toArray();
    QCOMPARE(models.size(), 3);

    // Latest versions by GET and by POST; the download URI is the source.
    const QJsonObject production =
        call200("POST", QStringLiteral("registered-models/get-latest-versions"),
                R"({"name": "fraud", "stages": ["production"]})");
    QCOMPARE(production.value(QStringLiteral("model_versions")).toArray().size(), 1);
    QCOMPARE(production.value(QStringLiteral("model_versions"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("aliases"))
                 .toArray(),
             QJsonArray{QStringLiteral("champion")});
    QCOMPARE(
        call200("GET", QStringLiteral("registered-models/get-latest-versions?name=fraud&stages="
                                      "Archived")),
        QJsonObject());
    QCOMPARE(call200("GET", QStringLiteral("model-versions/get-download-uri?name=fraud&version=2")),
             (QJsonObject{
                 {QStringLiteral("artifact_uri"), QStringLiteral("runs:/%1/model").arg(m_runId)}}));
    QCOMPARE(call200("GET", QStringLiteral("registered-models/alias?name=fraud&alias=champion"))
                 .value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("version"))
                 .toString(),
             QStringLiteral("1"));
}

void TestRegistryApi::restChangesAreInTheHistory()
{
    const auto history = m_registry->history(QStringLiteral("fraud"));
    QVERIFY2(history, qPrintable(history.errorMessage()));
    QStringList kinds;
    for (const RegistryEvent &event : *history) {
        QCOMPARE(event.actor, QStringLiteral("mlflow REST API"));
        kinds.append(toString(event.kind));
    }
    QCOMPARE(kinds, (QStringList{QStringLiteral("created"), QStringLiteral("created"),
                                 QStringLiteral("stage"), QStringLiteral("alias_set")}));
    // The version's files were copied into the models folder.
    const ModelVersion one = m_registry->modelVersion(QStringLiteral("fraud"), 1).value();
    QVERIFY(QFileInfo(QDir(one.directory).filePath(QStringLiteral("MLmodel"))).isFile());
}

void TestRegistryApi::tagsOfMlflowSemantics()
{
    const auto version = [this] {
        return call200("GET", QStringLiteral("model-versions/get?name=fraud&version=2"))
            .value(QStringLiteral("model_version"))
            .toObject();
    };
    const QJsonObject before = version();
    // Setting a tag does not move last_updated_timestamp; removing a missing one is fine.
    QTest::qWait(5);
    call200("POST", QStringLiteral("model-versions/set-tag"),
            R"({"name": "fraud", "version": "2", "key": "note"})");
    QJsonObject after = version();
    QCOMPARE(after.value(QStringLiteral("last_updated_timestamp")),
             before.value(QStringLiteral("last_updated_timestamp")));
    QCOMPARE(after.value(QStringLiteral("tags")).toArray().size(), 2);
    QCOMPARE(call200("DELETE", QStringLiteral("model-versions/delete-tag"),
                     R"({"name": "fraud", "version": "2", "key": "no-such-tag"})"),
             QJsonObject());
    call200("DELETE", QStringLiteral("model-versions/delete-tag"),
            R"({"name": "fraud", "version": "2", "key": "note"})");
    after = version();
    QCOMPARE(after, before);
    QCOMPARE(call200("DELETE", QStringLiteral("registered-models/delete-tag"),
                     R"({"name": "other", "key": "no-such-tag"})"),
             QJsonObject());
}

void TestRegistryApi::versionNumbersAreNeverReused()
{
    const QByteArray create =
        QStringLiteral(R"({"name": "other", "source": "runs:/%1/model", "run_id": "%1"})")
            .arg(m_runId)
            .toUtf8();
    call200("POST", QStringLiteral("model-versions/create"), create);
    call200("DELETE", QStringLiteral("model-versions/delete"),
            R"({"name": "other", "version": "1"})");
    QCOMPARE(call("GET", QStringLiteral("model-versions/get?name=other&version=1")).status, 404);
    const QJsonObject second = call200("POST", QStringLiteral("model-versions/create"), create);
    QCOMPARE(second.value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("version"))
                 .toString(),
             QStringLiteral("2"));
    call200("DELETE", QStringLiteral("registered-models/delete"), R"({"name": "other"})");
    QCOMPARE(call("GET", QStringLiteral("registered-models/get?name=other")).status, 404);
}

void TestRegistryApi::versionFromTheRunsArtifactUri()
{
    // What mlflow.register_model sends for runs:/<run>/model when the folder has an MLmodel.
    const QString source = QStringLiteral("mlflow-artifacts:/1/%1/artifacts/model").arg(m_runId);
    const QJsonObject created =
        call200("POST", QStringLiteral("model-versions/create"),
                QStringLiteral(R"({"name": "fraud", "source": "%1", "run_id": "%2"})")
                    .arg(source, m_runId)
                    .toUtf8())
            .value(QStringLiteral("model_version"))
            .toObject();
    QCOMPARE(created.value(QStringLiteral("status")).toString(), QStringLiteral("READY"));
    QCOMPARE(created.value(QStringLiteral("source")).toString(), source);
    const ModelVersion version =
        m_registry
            ->modelVersion(QStringLiteral("fraud"),
                           created.value(QStringLiteral("version")).toString().toLongLong())
            .value();
    QFile weights(QDir(version.directory).filePath(QStringLiteral("weights.bin")));
    QVERIFY(weights.open(QIODevice::ReadOnly));
    QCOMPARE(weights.readAll(), QByteArray(64, '\x7f'));
    // The artifact store's root itself is not a model.
    const Answer root =
        call("POST", QStringLiteral("model-versions/create"),
             QStringLiteral(R"({"name": "fraud", "source": "mlflow-artifacts:/", "run_id": "%1"})")
                 .arg(m_runId)
                 .toUtf8());
    QCOMPARE(root.status, 400);
}

QTEST_GUILESS_MAIN(TestRegistryApi)
#include "tst_registryapi.moc"
