"""What output-file services and inputs refuse (turned into Zou's answers by the API layer)."""

from kitsufiles.errors import DomainError, Shape, WrongParameter


class PublishRefused(DomainError):
    """What a publish refuses in Zou's own words. The entity route answers them as
    `{"error": ...}`, the asset-instance route as `{"message": ...}`: that route reshapes them
    (`shaped(Shape.MESSAGE)`)."""

    default_shape = Shape.ERROR


class OutputFileExists(PublishRefused):
    """The revision asked for is already taken on its revision line."""

    default_message = "The given output file already exists."


class UnknownOutputType(PublishRefused):
    default_message = "Cannot find given output type."


class UnknownPerson(PublishRefused):
    default_message = "Cannot find given person."


class InstanceOfAnotherEntity(WrongParameter):
    """An output of an asset instance carries the instance's asset as its entity (as a
    publish writes it): a body naming an instance of another asset (another production's)
    would file the output under one entity and list it under another."""

    default_message = "The asset instance is not an instance of the output file's entity."
