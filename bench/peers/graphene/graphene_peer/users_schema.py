import graphene
from graphene_django import DjangoObjectType
from graphene_federation import FederationVersion, build_schema, key

from accounts import models
from graphene_peer.batching import entity_batch

FEDERATION = FederationVersion.VERSION_2_9


@key("id", federation_version=FEDERATION)
class User(DjangoObjectType):
    class Meta:
        model = models.User
        fields = ("id", "username", "email", "full_name", "date_joined")

    def __resolve_reference(self, info):
        return entity_batch(info, "User", models.User.objects.in_bulk).get(int(self.id))


class Query(graphene.ObjectType):
    user = graphene.Field(User, id=graphene.ID(required=True))

    def resolve_user(root, info, id):
        return models.User.objects.filter(pk=int(id)).first()


schema = build_schema(query=Query, federation_version=FEDERATION)
