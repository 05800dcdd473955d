from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "citykpi.discussion"
    label = "discussion"
    verbose_name = "การสนทนารายไตรมาส / The conversation of a quarter"

    def ready(self) -> None:
        # Returns, resubmissions and assessments join the thread from the audit log
        # (citykpi.discussion.receivers), inside the write's transaction.
        from citykpi.discussion import receivers  # noqa: F401  (connects the receiver)
