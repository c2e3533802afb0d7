"""The email providers' tracking webhooks from django-anymail (its own views verify them;
``marketing.campaigns.tracking`` records what its ``tracking`` signal carries). Inbound mail
webhooks are left out: the site receives no email."""

from anymail import urls as anymail_urls

app_name = "anymail"

urlpatterns = [pattern for pattern in anymail_urls.urlpatterns if pattern.name.endswith("tracking_webhook")]
