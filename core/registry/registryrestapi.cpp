#include "core/registry/registryrestapi.h"

#include "core/registry/registryjson.h"
#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"

#include <QJsonArray>
#include <QUrl>

#include <algorithm>

namespace millrace::registry {

namespace {

using namespace tracking::rest;
using tracking::RestEndpoint;
using tracking::RestReply;

Actor restActor()
{
    return Actor{QString::fromLatin1(kRestActor), QString()};
}

QString nameArgument(const QJsonObject &args)
{
    return requiredString(args, QStringLiteral("name"));
}

// Versions travel as strings and must read as integers (MLflow's `_validate_model_version`).
qint64 parseVersion(const QString &text)
{
    bool ok = false;
    const qint64 version = text.trimmed().toLongLong(&ok);
    if (!ok)
        throw BadArgument{
            QStringLiteral("Parameter 'version' must be an integer, got '%1'.").arg(text)};
    return version;
}

qint64 versionArgument(const QJsonObject &args)
{
    return parseVersion(requiredString(args, QStringLiteral("version")));
}

// The page size, held to a range the store's own check then judges (MLflow's proto defaults
// apply when absent).
int maxResultsArgument(const QJsonObject &args, int fallback)
{
    return int(std::clamp<qint64>(
        optionalInt(args, QStringLiteral("max_results")).value_or(fallback), -1, 1000000));
}

Stage parseStage(const QString &text)
{
    const std::optional<Stage> stage = stageFromString(text);
    if (!stage)
        throw BadArgument{QStringLiteral("Invalid Model Version stage: %1. Value must be one of "
                                         "None, Staging, Production, Archived.")
                              .arg(text)};
    return *stage;
}

KeyValueList tagsArgument(const QJsonObject &args)
{
    KeyValueList tags;
    for (const auto &[key, value] : keyValues(args, QStringLiteral("tags")))
        tags.insert(key, value);
    return tags;
}

RestReply versionReply(const Result<ModelVersion> &version)
{
    return valueOr<ModelVersion>(version, [](const ModelVersion &v) {
        return QJsonObject{{QStringLiteral("model_version"), modelVersionJson(v, true)}};
    });
}

RestReply modelReply(const Result<RegisteredModel> &model)
{
    return valueOr<RegisteredModel>(model, [](const RegisteredModel &m) {
        return QJsonObject{{QStringLiteral("registered_model"), registeredModelJson(m)}};
    });
}

// ---- sources -------------------------------------------------------------------------------

// Percent-decoded until nothing changes, as MLflow reads sources before checking them.
QString fullyDecoded(QString text)
{
    for (QString next = QUrl::fromPercentEncoding(text.toUtf8()); next != text;
         next = QUrl::fromPercentEncoding(text.toUtf8()))
        text = next;
    return text;
}

QStringList pathParts(const QUrl &url)
{
    QStringList parts;
    for (const QString &part :
         url.path(QUrl::FullyEncoded).split(QLatin1Char('/'), Qt::SkipEmptyParts))
        parts.append(fullyDecoded(part));
    return parts;
}

// Whether `source` lies under `root` (same scheme and authority, root's path a prefix).
bool isWithin(const QString &source, const QString &root)
{
    const QUrl sourceUrl(source);
    const QUrl rootUrl(root);
    const QStringList sourceParts = pathParts(sourceUrl);
    const QStringList rootParts = pathParts(rootUrl);
    return sourceUrl.scheme().toLower() == rootUrl.scheme().toLower()
           && sourceUrl.authority().toLower() == rootUrl.authority().toLower()
           && !rootParts.isEmpty() && sourceParts.mid(0, rootParts.size()) == rootParts;
}

// The checks MLflow's server makes before registering a version (`_validate_source_run`): the
// run named by `run_id` must contain the source. Sources of other kinds are left to the store,
// which says which ones it can copy from.
void checkSource(const QString &source, const QString &runId, tracking::TrackingStore &tracking)
{
    const QUrl url(source);
    const QString scheme = url.scheme().toLower();
    const QString notTheRun = QStringLiteral("Invalid model version source: '%1'. The run_id "
                                             "request parameter must identify the resource that "
                                             "contains the source.")
                                  .arg(source);
    // A run's artifacts are never a local folder here (the server keeps them), so a local
    // path is never inside the run MLflow asks for.
    if (scheme.isEmpty() || scheme == QLatin1String("file"))
        throw BadArgument{
            QStringLiteral("Invalid model version source: '%1'. To use a local path as a model "
                           "version source, the run_id request parameter has to be specified and "
                           "the local path has to be contained within the artifact directory of "
                           "the run specified by the run_id.")
                .arg(source)};
    const QString decoded = fullyDecoded(source);
    if (decoded.split(QLatin1Char('/')).contains(QLatin1String("..")) || decoded.contains(QChar()))
        throw BadArgument{
            QStringLiteral("Invalid model version source: '%1'. If supplying a source as an "
                           "http, https, local file path, ftp, objectstore, or mlflow-artifacts "
                           "uri, an absolute path must be provided without relative path "
                           "references present. Please provide an absolute path.")
                .arg(source)};
    if (scheme == QLatin1String("runs")) {
        const QStringList parts = pathParts(url);
        if (!url.authority().isEmpty() || runId.isEmpty() || parts.isEmpty()
            || parts.first() != runId)
            throw BadArgument{notTheRun};
        return;
    }
    if (scheme == QLatin1String("mlflow-artifacts")) {
        if (runId.isEmpty())
            throw BadArgument{notTheRun};
        const Result<tracking::Run> run = tracking.run(runId);
        if (!run || !isWithin(source, run->info.artifactUri))
            throw BadArgument{notTheRun};
    }
}

// ---- the endpoints -------------------------------------------------------------------------

using Handler = std::function<RestReply(const QJsonObject &)>;

RestEndpoint onGet(const QString &path, Handler handler)
{
    return {path, QByteArrayLiteral("GET"), std::move(handler)};
}

RestEndpoint onPost(const QString &path, Handler handler)
{
    return {path, QByteArrayLiteral("POST"), std::move(handler)};
}

RestEndpoint onPatch(const QString &path, Handler handler)
{
    return {path, QByteArrayLiteral("PATCH"), std::move(handler)};
}

RestEndpoint onDelete(const QString &path, Handler handler)
{
    return {path, QByteArrayLiteral("DELETE"), std::move(handler)};
}

QList<RestEndpoint> registeredModelEndpoints(RegistryStore &r)
{
    QList<RestEndpoint> list;
    list.append(onPost(QStringLiteral("registered-models/create"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const KeyValueList tags = tagsArgument(a);
        return modelReply(r.createRegisteredModel(
            name, strictOptionalString(a, QStringLiteral("description")), tags));
    }));
    list.append(onGet(QStringLiteral("registered-models/get"), [&r](const QJsonObject &a) {
        return modelReply(r.registeredModel(nameArgument(a)));
    }));
    list.append(onPost(QStringLiteral("registered-models/rename"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return modelReply(
            r.renameRegisteredModel(name, requiredString(a, QStringLiteral("new_name"))));
    }));
    list.append(onPatch(QStringLiteral("registered-models/update"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return modelReply(
            r.updateRegisteredModel(name, strictOptionalString(a, QStringLiteral("description"))));
    }));
    list.append(onDelete(QStringLiteral("registered-models/delete"), [&r](const QJsonObject &a) {
        return emptyOr(r.deleteRegisteredModel(nameArgument(a)));
    }));
    list.append(onGet(QStringLiteral("registered-models/search"), [&r](const QJsonObject &a) {
        const QString filter = strictOptionalString(a, QStringLiteral("filter"));
        return valueOr<Page<RegisteredModel>>(
            r.searchRegisteredModels(filter, maxResultsArgument(a, 100),
                                     stringList(a, QStringLiteral("order_by")),
                                     strictOptionalString(a, QStringLiteral("page_token"))),
            [](const Page<RegisteredModel> &page) {
                QJsonArray models;
                for (const RegisteredModel &model : page.items)
                    models.append(registeredModelJson(model));
                return pageJson(QStringLiteral("registered_models"), models, page.nextPageToken);
            });
    }));
    const Handler latest = [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        QList<Stage> stages;
        for (const QString &stage : stringList(a, QStringLiteral("stages")))
            stages.append(parseStage(stage));
        return valueOr<QList<ModelVersion>>(
            r.latestVersions(name, stages), [](const QList<ModelVersion> &versions) {
                QJsonArray list;
                for (const ModelVersion &version : versions)
                    list.append(modelVersionJson(version, true));
                return pageJson(QStringLiteral("model_versions"), list);
            });
    };
    list.append(onPost(QStringLiteral("registered-models/get-latest-versions"), latest));
    list.append(onGet(QStringLiteral("registered-models/get-latest-versions"), latest));
    list.append(onPost(QStringLiteral("registered-models/set-tag"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const QString key = requiredString(a, QStringLiteral("key"));
        return emptyOr(
            r.setRegisteredModelTag(name, key, strictOptionalString(a, QStringLiteral("value"))));
    }));
    list.append(onDelete(QStringLiteral("registered-models/delete-tag"), [&r](
                                                                             const QJsonObject &a) {
        const QString name = nameArgument(a);
        return emptyOr(r.deleteRegisteredModelTag(name, requiredString(a, QStringLiteral("key"))));
    }));
    list.append(onPost(QStringLiteral("registered-models/alias"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const QString alias = requiredString(a, QStringLiteral("alias"));
        return emptyOr(r.setAlias(name, alias, versionArgument(a), restActor()));
    }));
    list.append(onDelete(QStringLiteral("registered-models/alias"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return emptyOr(
            r.deleteAlias(name, requiredString(a, QStringLiteral("alias")), restActor()));
    }));
    list.append(onGet(QStringLiteral("registered-models/alias"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return versionReply(r.versionByAlias(name, requiredString(a, QStringLiteral("alias"))));
    }));
    return list;
}

QList<RestEndpoint> modelVersionEndpoints(RegistryStore &r, tracking::TrackingStore &t)
{
    QList<RestEndpoint> list;
    list.append(onPost(QStringLiteral("model-versions/create"), [&r, &t](const QJsonObject &a) {
        NewModelVersion request;
        request.name = nameArgument(a);
        request.source = requiredString(a, QStringLiteral("source"));
        request.runId = strictOptionalString(a, QStringLiteral("run_id"));
        request.tags = tagsArgument(a);
        request.runLink = strictOptionalString(a, QStringLiteral("run_link"));
        request.description = strictOptionalString(a, QStringLiteral("description"));
        checkSource(request.source, request.runId, t);
        return versionReply(r.createModelVersion(request, restActor()));
    }));
    list.append(onGet(QStringLiteral("model-versions/get"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return versionReply(r.modelVersion(name, versionArgument(a)));
    }));
    list.append(onPatch(QStringLiteral("model-versions/update"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const QString version = requiredString(a, QStringLiteral("version"));
        const QString description = strictOptionalString(a, QStringLiteral("description"));
        return versionReply(r.updateModelVersion(name, parseVersion(version), description));
    }));
    list.append(onDelete(QStringLiteral("model-versions/delete"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        return emptyOr(r.deleteModelVersion(name, versionArgument(a), restActor()));
    }));
    list.append(onGet(QStringLiteral("model-versions/search"), [&r](const QJsonObject &a) {
        const QString filter = strictOptionalString(a, QStringLiteral("filter"));
        return valueOr<Page<ModelVersion>>(
            r.searchModelVersions(filter, maxResultsArgument(a, 200000),
                                  stringList(a, QStringLiteral("order_by")),
                                  strictOptionalString(a, QStringLiteral("page_token"))),
            [](const Page<ModelVersion> &page) {
                QJsonArray versions;
                for (const ModelVersion &version : page.items)
                    versions.append(modelVersionJson(version, false));
                return pageJson(QStringLiteral("model_versions"), versions, page.nextPageToken);
            });
    }));
    list.append(
        onPost(QStringLiteral("model-versions/transition-stage"), [&r](const QJsonObject &a) {
            const QString name = nameArgument(a);
            const QString version = requiredString(a, QStringLiteral("version"));
            const QString stageText = requiredString(a, QStringLiteral("stage"));
            const bool archive = optionalBool(a, QStringLiteral("archive_existing_versions"));
            const Stage stage = parseStage(stageText);
            if (archive && stage != Stage::Staging && stage != Stage::Production)
                // MLflow 3.17.2 raises this one without an error code, so its server answers 500
                // INTERNAL_ERROR; clients get the same answer here.
                return errorReply(
                    500, errorcode::kInternalError,
                    QStringLiteral("Model version transition cannot archive existing "
                                   "model versions because '%1' is not an Active "
                                   "stage. Valid stages are ['Staging', 'Production']")
                        .arg(stageText));
            return versionReply(
                r.transitionStage(name, parseVersion(version), stage, archive, restActor()));
        }));
    list.append(onGet(QStringLiteral("model-versions/get-download-uri"), [&r](
                                                                             const QJsonObject &a) {
        const QString name = nameArgument(a);
        return valueOr<QString>(r.downloadUri(name, versionArgument(a)), [](const QString &uri) {
            return QJsonObject{{QStringLiteral("artifact_uri"), uri}};
        });
    }));
    list.append(onPost(QStringLiteral("model-versions/set-tag"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const QString version = requiredString(a, QStringLiteral("version"));
        const QString key = requiredString(a, QStringLiteral("key"));
        const QString value = strictOptionalString(a, QStringLiteral("value"));
        return emptyOr(r.setModelVersionTag(name, parseVersion(version), key, value));
    }));
    list.append(onDelete(QStringLiteral("model-versions/delete-tag"), [&r](const QJsonObject &a) {
        const QString name = nameArgument(a);
        const QString version = requiredString(a, QStringLiteral("version"));
        const QString key = requiredString(a, QStringLiteral("key"));
        return emptyOr(r.deleteModelVersionTag(name, parseVersion(version), key));
    }));
    return list;
}

} // namespace

QList<tracking::RestEndpoint> registryEndpoints(RegistryStore &registry,
                                                tracking::TrackingStore &tracking)
{
    return registeredModelEndpoints(registry) + modelVersionEndpoints(registry, tracking);
}

} // namespace millrace::registry
