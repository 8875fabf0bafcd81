#pragma once

#include "core/registry/registrytypes.h"

#include <QAbstractListModel>
#include <QList>

namespace millrace::ui {

/// A stage and the newest version in it, as the model list shows them.
struct StageVersion
{
    registry::Stage stage = registry::Stage::None;
    qint64 version = 0;
};

/// The registered models, one row each: the name (display role), the newest version in each
/// stage and the description.
class ModelListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        DescriptionRole, ///< QString
        LatestRole,      ///< QList<StageVersion>, Production first, then Staging, None, Archived
        LatestTextRole,  ///< "Production v2 · Staging v3"
        SearchRole,      ///< what the filter box matches: the name and the description
    };

    using QAbstractListModel::QAbstractListModel;

    /// Shows `models` (sorted by name).
    void setModels(const QList<registry::RegisteredModel> &models);
    /// The row of the model `name`, or -1.
    int rowOfModel(const QString &name) const;
    const registry::RegisteredModel &modelAt(int row) const { return m_models.at(row); }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QList<registry::RegisteredModel> m_models;
};

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::StageVersion)
