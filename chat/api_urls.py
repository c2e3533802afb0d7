"""Chat's API under /api/v1/chat/ (namespace "api"): views in chat/api/views.py."""

from django.urls import path

from chat.api import card_views as card_api
from chat.api import offer_views as offer_api
from chat.api import seller_views as seller_api
from chat.api import views as api
from chat.assistant import api as assistant_api
from chat.channels import api as channel_api

urlpatterns = [
    path("chat/conversations/", api.ConversationsView.as_view(), name="chat-conversations"),
    path("chat/conversations/<int:pk>/", api.ConversationDetailView.as_view(), name="chat-conversation"),
    path("chat/conversations/<int:pk>/messages/", api.MessagesView.as_view(), name="chat-messages"),
    path("chat/conversations/<int:pk>/read/", api.MarkReadView.as_view(), name="chat-read"),
    path("chat/conversations/<int:pk>/block/", api.BlockView.as_view(), name="chat-block"),
    path("chat/conversations/<int:pk>/report/", api.ReportView.as_view(), name="chat-report"),
    path("chat/conversations/<int:pk>/buyer/", seller_api.BuyerPanelView.as_view(), name="chat-buyer-panel"),
    path("chat/conversations/<int:pk>/seller/", seller_api.SellerDetailsView.as_view(), name="chat-seller-details"),
    path(
        "chat/conversations/<int:pk>/quick-replies/",
        seller_api.ConversationQuickRepliesView.as_view(),
        name="chat-conversation-quick-replies",
    ),
    path("chat/conversations/<int:pk>/templates/", channel_api.TemplatesView.as_view(), name="chat-templates"),
    path("chat/conversations/<int:pk>/offers/", offer_api.ConversationOffersView.as_view(), name="chat-offers"),
    path("chat/conversations/<int:pk>/products/", card_api.ConversationCatalogView.as_view(), name="chat-catalog"),
    path("chat/offers/<int:pk>/", offer_api.OfferDetailView.as_view(), name="chat-offer"),
    path("chat/offers/<int:pk>/withdraw/", offer_api.OfferWithdrawView.as_view(), name="chat-offer-withdraw"),
    path("chat/offers/<int:pk>/quote/", offer_api.OfferQuoteView.as_view(), name="chat-offer-quote"),
    path("chat/offers/<int:pk>/place/", offer_api.OfferPlaceView.as_view(), name="chat-offer-place"),
    path("chat/inbox/", seller_api.InboxView.as_view(), name="chat-inbox"),
    path("chat/unread/", api.UnreadView.as_view(), name="chat-unread"),
    path("chat/stores/<slug:slug>/response/", api.StoreResponseView.as_view(), name="chat-store-response"),
    path("chat/labels/", seller_api.LabelsView.as_view(), name="chat-labels"),
    path("chat/quick-replies/", seller_api.QuickRepliesView.as_view(), name="chat-quick-replies"),
    path("chat/quick-replies/<int:pk>/", seller_api.QuickReplyDetailView.as_view(), name="chat-quick-reply"),
    # The store's assistant (chat.assistant).
    path("chat/assistant/settings/", assistant_api.AssistantSettingsView.as_view(), name="chat-assistant-settings"),
    path("chat/assistant/faq/", assistant_api.FaqView.as_view(), name="chat-assistant-faq"),
    path("chat/assistant/faq/<int:pk>/", assistant_api.FaqDetailView.as_view(), name="chat-assistant-faq-entry"),
    path("chat/assistant/report/", assistant_api.AssistantReportView.as_view(), name="chat-assistant-report"),
    path("chat/conversations/<int:pk>/person/", assistant_api.AskForPersonView.as_view(), name="chat-ask-person"),
    path("chat/conversations/<int:pk>/hand-back/", assistant_api.HandBackView.as_view(), name="chat-hand-back"),
]
