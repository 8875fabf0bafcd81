#pragma once

#include <QSet>
#include <QStringList>
#include <QTreeView>

namespace millrace::ui {

class RunGroupModel;

/// The run table: a tree view over a RunGroupModel that reads like a table while the runs are
/// flat (no branch decoration, table row heights) and shows collapsible group rows when they
/// are grouped. New groups open unless the user closed a group of that value before, and the
/// selection survives a change of grouping.
class RunTreeView : public QTreeView
{
    Q_OBJECT
public:
    explicit RunTreeView(QWidget *parent = nullptr);

    /// Shows `model` (use this rather than setModel()).
    void setGroupModel(RunGroupModel *model);
    RunGroupModel *groupModel() const { return m_model; }

    /// The runs selected, in the order shown; a selected group row stands for all its runs.
    QStringList selectedRunIdsInOrder() const;
    /// The selected rows by name ("run:<id>", "group:<group id>"), to select them again with
    /// selectRows() after the model changed under them.
    QSet<QString> selectedRowNames() const;
    /// Selects exactly the rows named in `names` (see selectedRowNames()).
    void selectRows(const QSet<QString> &names);

private:
    QString rowName(const QModelIndex &index) const;
    void openNewGroups(const QModelIndex &parent, int first, int last);
    void afterReset();

    RunGroupModel *m_model = nullptr;
    QString m_groupKey;           ///< the grouping that m_closedGroups refers to
    QSet<QString> m_closedGroups; ///< group ids the user collapsed
    QSet<QString> m_selectionBeforeReset;
    QString m_currentBeforeReset;
};

} // namespace millrace::ui
