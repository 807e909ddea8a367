"""Model fields read the fast way."""

from strawberry_django.fields.field import StrawberryDjangoField


class ColumnField(StrawberryDjangoField):
    """A model column returned as it is. strawberry-django marks every field as needing its own
    resolver; a plain column doesn't, and Strawberry's fast path for attributes (no Info object,
    no argument handling) is most of a list's cost saved per row."""

    @property
    def is_basic_field(self) -> bool:
        return not (self.base_resolver or self.extensions or self.is_relation or self.permission_classes)
