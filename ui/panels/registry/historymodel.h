#pragma once

#include "core/registry/registrytypes.h"

#include <QAbstractListModel>
#include <QColor>
#include <QList>

namespace millrace::ui {

/// A registered model's history as a timeline, newest first: one row per event with its time,
/// a title ("v3: Staging → Production", "@champion: v2 → v3"), who did it and why, and for
/// promotion decisions the evaluation numbers. The display role joins them in one line.
class HistoryModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        TimeTextRole = Qt::UserRole + 1, ///< "2024-06-11 14:03:12"
        TitleRole,                       ///< what happened, in a few words
        ActorRole,                       ///< who did it
        ReasonRole,                      ///< why, when recorded
        EvaluationRole,                  ///< the evaluation numbers in one line, when any
        AccentRole,                      ///< QColor of the timeline dot
        KindRole,                        ///< int (registry::EventKind)
    };

    using QAbstractListModel::QAbstractListModel;

    /// Shows `events` (oldest first, as the store returns them) newest first.
    void setEvents(const QList<registry::RegistryEvent> &events);
    const registry::RegistryEvent &eventAt(int row) const { return m_events.at(row); }

    /// The title of `event`: "v3: Staging → Production", "@champion: v2 → v3", ...
    static QString titleOf(const registry::RegistryEvent &event);
    /// The evaluation numbers of `event` in one line ("metric test_accuracy · challenger
    /// 0.9312 · ..."), empty when it has none.
    static QString evaluationText(const QJsonObject &evaluation);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    QList<registry::RegistryEvent> m_events; ///< newest first
};

} // namespace millrace::ui
