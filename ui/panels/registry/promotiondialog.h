#pragma once

#include "core/registry/registrytypes.h"

#include <QDialog>
#include <QList>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;
QT_END_NAMESPACE

namespace millrace::ui {

struct ModelDetail;

/// Asks to confirm moving a version to Staging or Production, with what the decision needs in
/// view: the version and the one in the target stage now, side by side (their source runs'
/// metrics with the difference, the params that differ, creation time, source run), whether
/// to archive the current one (ticked for Production), and an optional reason for the history.
class PromotionDialog : public QDialog
{
    Q_OBJECT
public:
    /// For moving `version` of `detail`'s model to `target`.
    PromotionDialog(const ModelDetail &detail, qint64 version, registry::Stage target,
                    QWidget *parent = nullptr);

    qint64 version() const { return m_version; }
    registry::Stage target() const { return m_target; }
    /// Whether the versions in the target stage now move to Archived.
    bool archiveExisting() const;
    /// The reason typed, trimmed; may be empty.
    QString reason() const;
    /// The versions in the target stage now, newest first (the first is the one compared).
    QList<qint64> currentVersions() const { return m_current; }

private:
    void fillComparison(const ModelDetail &detail);
    QTreeWidgetItem *addSection(const QString &title);

    qint64 m_version;
    registry::Stage m_target;
    QList<qint64> m_current;
    QTreeWidget *m_comparison;
    QCheckBox *m_archive;
    QLineEdit *m_reason;
};

} // namespace millrace::ui
