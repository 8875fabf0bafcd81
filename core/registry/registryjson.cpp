#include "core/registry/registryjson.h"

#include "core/tracking/trackingjson.h"

#include <QJsonArray>

namespace millrace::registry {

QJsonObject modelVersionJson(const ModelVersion &version, bool withAliases)
{
    QJsonObject json{{QStringLiteral("name"), version.name},
                     {QStringLiteral("version"), QString::number(version.version)},
                     {QStringLiteral("creation_timestamp"), version.creationTime},
                     {QStringLiteral("last_updated_timestamp"), version.lastUpdatedTime},
                     {QStringLiteral("current_stage"), toString(version.stage)},
                     {QStringLiteral("description"), version.description},
                     {QStringLiteral("source"), version.source},
                     {QStringLiteral("run_id"), version.runId},
                     {QStringLiteral("status"), toString(version.status)},
                     {QStringLiteral("run_link"), version.runLink}};
    if (!version.userId.isEmpty())
        json.insert(QStringLiteral("user_id"), version.userId);
    if (!version.statusMessage.isEmpty())
        json.insert(QStringLiteral("status_message"), version.statusMessage);
    if (!version.tags.isEmpty())
        json.insert(QStringLiteral("tags"), tracking::tagsJson(version.tags));
    if (withAliases && !version.aliases.isEmpty())
        json.insert(QStringLiteral("aliases"), QJsonArray::fromStringList(version.aliases));
    return json;
}

QJsonObject registeredModelJson(const RegisteredModel &model)
{
    QJsonObject json{{QStringLiteral("name"), model.name},
                     {QStringLiteral("creation_timestamp"), model.creationTime},
                     {QStringLiteral("last_updated_timestamp"), model.lastUpdatedTime}};
    if (!model.userId.isEmpty())
        json.insert(QStringLiteral("user_id"), model.userId);
    if (!model.description.isEmpty())
        json.insert(QStringLiteral("description"), model.description);
    QJsonArray latest;
    for (const ModelVersion &version : model.latestVersions)
        latest.append(modelVersionJson(version, false));
    if (!latest.isEmpty())
        json.insert(QStringLiteral("latest_versions"), latest);
    if (!model.tags.isEmpty())
        json.insert(QStringLiteral("tags"), tracking::tagsJson(model.tags));
    QJsonArray aliases;
    for (const ModelAlias &alias : model.aliases)
        aliases.append(QJsonObject{{QStringLiteral("alias"), alias.alias},
                                   {QStringLiteral("version"), QString::number(alias.version)}});
    if (!aliases.isEmpty())
        json.insert(QStringLiteral("aliases"), aliases);
    return json;
}

} // namespace millrace::registry
