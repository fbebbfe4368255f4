import { GraphQLScalarType, Kind, ValueNode } from 'graphql';
import { badInput } from '../core/errors';

function literalToValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalToValue(f.value)]));
    case Kind.LIST:
      return node.values.map(literalToValue);
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    default:
      throw badInput('GeoJSON literals cannot contain variables', 'Pass the whole geometry as one variable.');
  }
}

/** A GeoJSON geometry object (RFC 7946), coordinates in EPSG:4490 longitude/latitude. */
export const GeoJSONScalar = new GraphQLScalarType({
  name: 'GeoJSON',
  description: 'GeoJSON 几何对象 (RFC 7946), 坐标为 CGCS2000 (EPSG:4490) 经纬度',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node) => literalToValue(node),
});
