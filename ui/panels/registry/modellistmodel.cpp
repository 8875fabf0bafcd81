#include "ui/panels/registry/modellistmodel.h"

#include <QDateTime>

#include <algorithm>

namespace millrace::ui {

namespace {

// The order a reader looks for: what is live, what is about to be, what is new, what is past.
int displayRank(registry::Stage stage)
{
    switch (stage) {
    case registry::Stage::Production:
        return 0;
    case registry::Stage::Staging:
        return 1;
    case registry::Stage::None:
        return 2;
    case registry::Stage::Archived:
        return 3;
    }
    return 4;
}

QList<StageVersion> latestOf(const registry::RegisteredModel &model)
{
    QList<StageVersion> latest;
    for (const registry::ModelVersion &version : model.latestVersions)
        latest.append({version.stage, version.version});
    std::stable_sort(latest.begin(), latest.end(),
                     [](const StageVersion &a, const StageVersion &b) {
                         return displayRank(a.stage) < displayRank(b.stage);
                     });
    return latest;
}

QString latestText(const QList<StageVersion> &latest)
{
    QStringList parts;
    for (const StageVersion &entry : latest)
        parts << QStringLiteral("%1 v%2").arg(registry::toString(entry.stage)).arg(entry.version);
    return parts.join(QStringLiteral(" · "));
}

} // namespace

void ModelListModel::setModels(const QList<registry::RegisteredModel> &models)
{
    // Same names in the same order (the usual poll): update in place, so the selection and the
    // scroll position stay.
    bool sameRows = models.size() == m_models.size();
    for (int row = 0; sameRows && row < models.size(); ++row)
        sameRows = models.at(row).name == m_models.at(row).name;
    if (sameRows) {
        m_models = models;
        if (!m_models.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_models.size()) - 1));
        return;
    }
    beginResetModel();
    m_models = models;
    endResetModel();
}

int ModelListModel::rowOfModel(const QString &name) const
{
    for (int row = 0; row < m_models.size(); ++row) {
        if (m_models.at(row).name == name)
            return row;
    }
    return -1;
}

int ModelListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_models.size());
}

QVariant ModelListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const registry::RegisteredModel &model = m_models.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return model.name;
    case DescriptionRole:
        return model.description;
    case LatestRole:
        return QVariant::fromValue(latestOf(model));
    case LatestTextRole:
        return latestText(latestOf(model));
    case SearchRole:
        return QString(model.name + QLatin1Char('\n') + model.description);
    case Qt::ToolTipRole: {
        QStringList lines{model.name};
        const QString latest = latestText(latestOf(model));
        lines << (latest.isEmpty() ? tr("No versions yet") : latest);
        if (!model.description.isEmpty())
            lines << model.description;
        lines << tr("Last updated %1")
                     .arg(QDateTime::fromMSecsSinceEpoch(model.lastUpdatedTime)
                              .toString(QStringLiteral("yyyy-MM-dd HH:mm")));
        return lines.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

} // namespace millrace::ui
